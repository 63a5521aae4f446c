"""Every system check: a broken setting gives its id and a hint; the test settings give none."""

import pytest
from django.core import checks

from ai_commerce import checks as ai_checks


def ids(messages):
    return [m.id for m in messages]


def run_all():
    return [m for m in checks.run_checks() if m.id and m.id.startswith("ai_commerce.")]


def patch(settings, **changes):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, **changes}


def test_valid_configuration_has_no_messages():
    assert run_all() == []


@pytest.mark.parametrize("value", [None, "nodot", "shop.Missing"])
def test_e001_product_model(settings, value):
    settings.AI_COMMERCE_PRODUCT_MODEL = value
    messages = ai_checks.check_product_model()
    assert ids(messages) == ["ai_commerce.E001"]
    assert "AI_COMMERCE_PRODUCT_MODEL" in messages[0].hint


def test_e002_not_a_dict(settings):
    settings.AI_COMMERCE = ["nope"]
    assert ids(ai_checks.check_settings_shape()) == ["ai_commerce.E002"]


def test_w002_unknown_key_suggests_the_right_one(settings):
    patch(settings, LOCK_CAHCE="default")
    [message] = ai_checks.check_settings_shape()
    assert message.id == "ai_commerce.W002"
    assert "LOCK_CACHE" in message.hint


def test_e003_unknown_attribute(settings):
    patch(settings, PRODUCT_FIELDS={**settings.AI_COMMERCE["PRODUCT_FIELDS"], "colour": "label"})
    assert "ai_commerce.E003" in ids(ai_checks.check_field_mappings())


def test_e004_missing_field_names_the_segment_and_the_choices(settings):
    patch(settings, PRODUCT_FIELDS={**settings.AI_COMMERCE["PRODUCT_FIELDS"], "price": "stockrecords__prize"})
    [message] = ai_checks.check_field_mappings()
    assert message.id == "ai_commerce.E004"
    assert "'prize'" in message.msg and "price_excl_tax" in message.msg


def test_e004_path_through_a_plain_field(settings):
    patch(settings, PRODUCT_FIELDS={**settings.AI_COMMERCE["PRODUCT_FIELDS"], "title": "label__name"})
    [message] = ai_checks.check_field_mappings()
    assert message.id == "ai_commerce.E004" and "not a relation" in message.msg


def test_e005_order_line_model_not_installed(settings):
    patch(settings, ORDER_LINE_MODEL="shop.Line")
    assert ids(ai_checks.check_field_mappings()) == ["ai_commerce.E005"]


def test_e006_adapter(settings):
    patch(settings, ADAPTER="nowhere.Adapter")
    assert ids(ai_checks.check_adapter()) == ["ai_commerce.E006"]
    patch(settings, ADAPTER="collections.OrderedDict")
    assert ids(ai_checks.check_adapter()) == ["ai_commerce.E006"]


def test_e007_required_order_line_field_missing(settings):
    patch(settings, ORDER_LINE_FIELDS={**settings.AI_COMMERCE["ORDER_LINE_FIELDS"], "user": None})
    assert ids(ai_checks.check_field_mappings()) == ["ai_commerce.E007"]


def test_e008_order_line_product_points_elsewhere(settings):
    patch(settings, ORDER_LINE_FIELDS={**settings.AI_COMMERCE["ORDER_LINE_FIELDS"], "product": "purchase"})
    assert ids(ai_checks.check_field_mappings()) == ["ai_commerce.E008"]


def test_e009_order_line_field_through_to_many(settings):
    patch(settings, ORDER_LINE_FIELDS={**settings.AI_COMMERCE["ORDER_LINE_FIELDS"],
                                       "unit_price": "article__stockrecords__price_excl_tax"})
    assert ids(ai_checks.check_field_mappings()) == ["ai_commerce.E009"]


def test_w003_price_not_decimal(settings):
    patch(settings, PRODUCT_FIELDS={**settings.AI_COMMERCE["PRODUCT_FIELDS"], "price": "stockrecords__num_in_stock"})
    assert ids(ai_checks.check_field_mappings()) == ["ai_commerce.W003"]


def test_e010_lock_cache_alias_unknown(settings):
    patch(settings, LOCK_CACHE="locks")
    assert ids(ai_checks.check_lock_cache()) == ["ai_commerce.E010"]


def test_e011_dummy_cache_cannot_lock(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids(ai_checks.check_lock_cache()) == ["ai_commerce.E011"]


def test_w001_process_local_lock_cache_with_separate_workers(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    [message] = ai_checks.check_lock_cache()
    assert message.id == "ai_commerce.W001" and "RedisCache" in message.hint
    settings.CELERY_TASK_ALWAYS_EAGER = True  # a single-process shop is fine
    assert ai_checks.check_lock_cache() == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"EVENTS_THROTTLE_RATE": "10/fortnight"}, "ai_commerce.E012"),
    ({"EVENTS_MAX_BATCH": 0}, "ai_commerce.E013"),
    ({"STALE_RUN_SECONDS": 60, "TRAIN_TIME_LIMIT": 600}, "ai_commerce.E014"),
])
def test_limits(settings, changes, expected):
    patch(settings, **changes)
    assert ids(ai_checks.check_limits()) == [expected]


def test_e015_sub_app_without_core(monkeypatch):
    monkeypatch.setattr(ai_checks.apps, "is_installed", lambda name: False)
    assert ids(ai_checks.check_core_installed()) == ["ai_commerce.E015"]


def test_checks_run_from_manage_py(settings):
    """A misconfiguration is a SystemCheckError at startup, never a stack trace at request time."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    patch(settings, ORDER_LINE_MODEL="shop.Line")
    with pytest.raises(SystemCheckError, match=r"ai_commerce\.E005"):
        call_command("check")
