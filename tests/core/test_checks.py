"""Every system check: a broken setting gives its id and a hint; the test settings give none.

One id per problem (one kind of mistake in one setting), so that SILENCED_SYSTEM_CHECKS can target exactly one; the
documentation's "System checks" table (docs/checks.md) lists every id.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core import checks
from django.utils.module_loading import import_string

import ai_commerce
from ai_commerce import capabilities, host_checks
from ai_commerce import checks as ai_checks
from ai_commerce.adapter import ShopAdapter
from ai_commerce.conf import app_settings


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


def test_e103_unknown_attribute(settings):
    patch(settings, PRODUCT_FIELDS={**settings.AI_COMMERCE["PRODUCT_FIELDS"], "colour": "label"})
    assert "ai_commerce.E103" in ids(ai_checks.check_field_mappings())


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


def test_e006_e016_adapter(settings):
    patch(settings, ADAPTER="nowhere.Adapter")
    assert ids(ai_checks.check_adapter()) == ["ai_commerce.E006"]
    patch(settings, ADAPTER="collections.OrderedDict")
    assert ids(ai_checks.check_adapter()) == ["ai_commerce.E016"]


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
    ({"TRUSTED_PROXIES": "10.0.0.1"}, "ai_commerce.E055"),
    ({"TRUSTED_PROXIES": ["10.0.0.0/33"]}, "ai_commerce.E055"),
    ({"STALE_RUN_SECONDS": 60, "TRAIN_TIME_LIMIT": 600}, "ai_commerce.E014"),
    ({"API_MAX_JSON_DEPTH": True}, "ai_commerce.E061"),
    ({"BROKER_SEND_TIMEOUT": 30}, "ai_commerce.E062"),
    ({"RUNNING_OUT_DAYS": 0}, "ai_commerce.E063"),
])
def test_limits(settings, changes, expected):
    patch(settings, **changes)
    assert ids(ai_checks.check_limits()) == [expected]


def test_e015_sub_app_without_core(monkeypatch):
    monkeypatch.setattr(capabilities.apps, "is_installed", lambda name: False)
    assert ids(capabilities.check_core_installed()) == ["ai_commerce.E015"]


def test_checks_run_from_manage_py(settings):
    """A misconfiguration is a SystemCheckError at startup, never a stack trace at request time."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    patch(settings, ORDER_LINE_MODEL="shop.Line")
    with pytest.raises(SystemCheckError, match=r"ai_commerce\.E005"):
        call_command("check")


# --- One id per problem -------------------------------------------------------------------------------------------

ID = re.compile(r"^(?:ai_commerce\.)?([EW]\d{3})$")
PACKAGE = Path(ai_commerce.__file__).parent
CHECKS_PAGE = PACKAGE.parent / "docs" / "checks.md"  # the documentation site's "System checks" page
SUB_APP_CHECKS = {
    "SENTIMENT": "ai_commerce.sentiment.checks.check_sentiment_settings",
    "PRICING": "ai_commerce.pricing.checks.check_pricing_settings",
    "RECOMMENDATIONS": "ai_commerce.recommendations.checks.check_recommendation_settings",
    "FORECAST": "ai_commerce.forecast.checks.check_forecast_settings",
    "SEARCH": "ai_commerce.search.checks.check_search_settings",
    "ASSISTANT": "ai_commerce.assistant.checks.check_assistant_settings",
    "MERCHANDISING": "ai_commerce.merchandising.checks.check_merchandising_settings",
}


def core(check, **changes):
    """Break keys of AI_COMMERCE and run one core check."""
    def run(settings, monkeypatch):
        patch(settings, **changes)
        return getattr(ai_checks, check)()
    return run


def fields(key, **changes):
    """Change attributes of one field mapping (None unmaps one) and run the mapping check."""
    def run(settings, monkeypatch):
        patch(settings, **{key: {**settings.AI_COMMERCE[key], **changes}})
        return ai_checks.check_field_mappings()
    return run


def django_setting(check, **values):
    """Change top-level Django settings and run one core check."""
    def run(settings, monkeypatch):
        for name, value in values.items():
            setattr(settings, name, value)
        return getattr(ai_checks, check)()
    return run


def sub_app(key, **changes):
    """Run a sub-app's settings check on its defaults with ``changes`` on top."""
    def run(settings, monkeypatch):
        return import_string(SUB_APP_CHECKS[key])(conf={**getattr(app_settings, key), **changes})
    return run


def without_core(settings, monkeypatch):
    monkeypatch.setattr(capabilities.apps, "is_installed", lambda name: False)
    return capabilities.check_core_installed()


def pricing_without_order_lines(settings, monkeypatch):
    patch(settings, ORDER_LINE_MODEL=None)
    return import_string(SUB_APP_CHECKS["PRICING"])()


def forecast_without_order_lines(settings, monkeypatch):
    patch(settings, ORDER_LINE_MODEL=None)
    return import_string(SUB_APP_CHECKS["FORECAST"])()


def assistant_without_orders(settings, monkeypatch):
    patch(settings, ORDER_MODEL=None)
    return import_string(SUB_APP_CHECKS["ASSISTANT"])()


def forecast_without_stock(settings, monkeypatch):
    fields = {k: v for k, v in settings.AI_COMMERCE["PRODUCT_FIELDS"].items() if k != "stock"}
    patch(settings, PRODUCT_FIELDS=fields)
    return import_string(SUB_APP_CHECKS["FORECAST"])()


def search_titles_only(settings, monkeypatch):
    fields = {k: v for k, v in settings.AI_COMMERCE["PRODUCT_FIELDS"].items() if k not in ("description", "category")}
    patch(settings, PRODUCT_FIELDS=fields)
    return import_string(SUB_APP_CHECKS["SEARCH"])()


def merchandising_without_created(settings, monkeypatch):
    patch(settings, PRODUCT_FIELDS={k: v for k, v in settings.AI_COMMERCE["PRODUCT_FIELDS"].items() if k != "created"})
    return import_string(SUB_APP_CHECKS["MERCHANDISING"])()


def fan_out_without_result_backend(settings, monkeypatch):
    monkeypatch.setitem(celery_changes(), "task_always_eager", False)
    monkeypatch.setitem(celery_changes(), "result_backend", None)
    return sub_app("RECOMMENDATIONS", FAN_OUT=True)(settings, monkeypatch)


def celery_changes():
    """What was set on the current Celery app itself, over what it reads from Django settings: patch keys here so
    that the app follows Django settings again afterwards."""
    from celery import current_app

    current_app.conf.get("broker_url")  # loads its configuration, if nothing has yet
    return current_app.conf.changes


def celery_app_conf(**conf):
    """Give the current Celery app values of its own, as a celery.py that does not read Django settings does, and run
    the Celery check."""
    def run(settings, monkeypatch):
        for key, value in conf.items():
            monkeypatch.setitem(celery_changes(), key, value)
        return ai_checks.check_celery()
    return run


def no_broker_anywhere(settings, monkeypatch):
    """Not eager, and no broker in Django settings, in Celery's app or in Celery's environment variable."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    del settings.CELERY_BROKER_URL
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    for key in ("task_always_eager", "broker_url"):  # what other tests may have set on the app itself
        monkeypatch.delitem(celery_changes(), key, raising=False)
    return ai_checks.check_celery()


def sqlite_file_without_options(settings, monkeypatch):
    monkeypatch.setattr(host_checks, "settings", type("Settings", (), {"DATABASES": {"default": {
        "ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/shop/db.sqlite3"}}}))
    return host_checks.check_sqlite_concurrency()


class AdminPageAdapter(ShopAdapter):
    """A host whose product page would be a template that loads none of our tags (the admin's index)."""

    product_template = "admin/index.html"


class PipelineAdapter(ShopAdapter):
    def order_statuses(self):
        return ["placed", "cancelled"]


def product_page_not_overridden(settings, monkeypatch):
    patch(settings, ADAPTER=f"{__name__}.AdminPageAdapter")
    return host_checks.check_product_template()


def excluded_status_not_in_pipeline(settings, monkeypatch):
    patch(settings, ADAPTER=f"{__name__}.PipelineAdapter", ORDER_STATUSES_EXCLUDED=["canceled"])
    return host_checks.check_excluded_statuses()


def eager_with_beat_schedules(settings, monkeypatch):
    monkeypatch.setattr(host_checks, "enabled_schedules", lambda: ["ai_commerce: catch up after an outage"])
    return host_checks.check_schedules_have_a_runner(databases=["default"])


#: One deliberately broken configuration per problem, and the one id it must give. Each row is a different problem,
#: so two rows expecting the same id would mean two problems share an id (test_problems_have_distinct_ids).
PROBLEMS = [
    ("ai_commerce.E001", django_setting("check_product_model", AI_COMMERCE_PRODUCT_MODEL="shop.Missing")),
    ("ai_commerce.E002", django_setting("check_settings_shape", AI_COMMERCE=["nope"])),
    ("ai_commerce.W002", core("check_settings_shape", LOCK_CAHCE="default")),
    ("ai_commerce.E003", core("check_field_mappings", PRODUCT_FIELDS=["title"])),
    ("ai_commerce.E101", core("check_field_mappings", ORDER_LINE_FIELDS=["user"])),
    ("ai_commerce.E102", core("check_field_mappings", REVIEW_FIELDS=["user"])),
    ("ai_commerce.E103", fields("PRODUCT_FIELDS", colour="label")),
    ("ai_commerce.E104", fields("ORDER_LINE_FIELDS", colour="qty")),
    ("ai_commerce.E105", fields("REVIEW_FIELDS", colour="stars")),
    ("ai_commerce.E004", fields("PRODUCT_FIELDS", price="stockrecords__prize")),
    ("ai_commerce.E106", fields("ORDER_LINE_FIELDS", quantity="qtty")),
    ("ai_commerce.E107", fields("REVIEW_FIELDS", text="commment")),
    ("ai_commerce.E005", core("check_field_mappings", ORDER_LINE_MODEL="shop.Line")),
    ("ai_commerce.E017", core("check_field_mappings", REVIEW_MODEL="shop.Review")),
    ("ai_commerce.E006", core("check_adapter", ADAPTER="nowhere.Adapter")),
    ("ai_commerce.E016", core("check_adapter", ADAPTER="collections.OrderedDict")),
    ("ai_commerce.E060", core("check_price_format", PRICE_FORMAT="nowhere.format_price")),
    ("ai_commerce.E007", fields("ORDER_LINE_FIELDS", user=None)),
    ("ai_commerce.E018", fields("REVIEW_FIELDS", rating=None)),
    ("ai_commerce.E008", fields("ORDER_LINE_FIELDS", product="purchase")),
    ("ai_commerce.E019", fields("REVIEW_FIELDS", product="reviewer")),
    ("ai_commerce.E009", fields("ORDER_LINE_FIELDS", unit_price="article__stockrecords__price_excl_tax")),
    ("ai_commerce.E100", fields("REVIEW_FIELDS", text="item__stockrecords__partner")),
    ("ai_commerce.W003", fields("PRODUCT_FIELDS", price="stockrecords__num_in_stock")),
    ("ai_commerce.E010", core("check_lock_cache", LOCK_CACHE="locks")),
    ("ai_commerce.E011", django_setting(
        "check_lock_cache", CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})),
    ("ai_commerce.W001", django_setting(
        "check_lock_cache", CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        CELERY_TASK_ALWAYS_EAGER=False)),
    ("ai_commerce.E012", core("check_limits", EVENTS_THROTTLE_RATE="10/fortnight")),
    ("ai_commerce.E013", core("check_limits", EVENTS_MAX_BATCH=0)),
    ("ai_commerce.E014", core("check_limits", STALE_RUN_SECONDS=60, TRAIN_TIME_LIMIT=600)),
    ("ai_commerce.E050", core("check_limits", LOCK_TTL=1)),
    ("ai_commerce.E051", core("check_limits", TRAIN_RETRIES=-1)),
    ("ai_commerce.E055", core("check_limits", TRUSTED_PROXIES=["10.0.0.0/8", "proxy.local"])),
    ("ai_commerce.E061", core("check_limits", API_MAX_JSON_DEPTH=1)),
    ("ai_commerce.E062", core("check_limits", BROKER_SEND_TIMEOUT=0)),
    ("ai_commerce.E063", core("check_limits", RUNNING_OUT_DAYS=400)),
    ("ai_commerce.E052", core("check_retention", KEEP_VERSIONS=0)),
    ("ai_commerce.E108", core("check_limits", ORDER_STATUSES_EXCLUDED="cancelled")),
    ("ai_commerce.W004", core("check_limits", ORDER_STATUSES_EXCLUDED=["cancelled"], ORDER_LINE_FIELDS={
        "user": "purchase__buyer", "product": "article", "created": "purchase__placed_on"})),
    ("ai_commerce.E053", celery_app_conf(task_always_eager=False)),
    ("ai_commerce.W006", celery_app_conf(broker_url="amqp://guest@localhost//")),
    ("ai_commerce.W005", no_broker_anywhere),
    ("ai_commerce.W007", sqlite_file_without_options),
    ("ai_commerce.W008", product_page_not_overridden),
    ("ai_commerce.W009", excluded_status_not_in_pipeline),
    ("ai_commerce.W010", eager_with_beat_schedules),
    ("ai_commerce.E015", without_core),
    ("ai_commerce.E020", sub_app("SENTIMENT", ASPECTS=["fit"])),
    ("ai_commerce.E021", sub_app("SENTIMENT", ABUSIVE_WORDS="scam")),
    ("ai_commerce.E022", sub_app("SENTIMENT", STRONG_NEGATIVE=2)),
    ("ai_commerce.E025", sub_app("SENTIMENT", MISMATCH=2)),
    ("ai_commerce.E026", sub_app("SENTIMENT", HOLDOUT=0.9)),
    ("ai_commerce.E023", sub_app("SENTIMENT", MIN_REVIEWS=1)),
    ("ai_commerce.E027", sub_app("SENTIMENT", MIN_HOLDOUT_REVIEWS=1)),
    ("ai_commerce.E028", sub_app("SENTIMENT", CACHE="nope")),
    ("ai_commerce.E029", sub_app("SENTIMENT", CACHE_SECONDS=True)),
    ("ai_commerce.E120", sub_app("SENTIMENT", SUMMARY_VERIFIED_ONLY="yes")),
    ("ai_commerce.E121", sub_app("SENTIMENT", FRAUD={"BURST": 3})),
    ("ai_commerce.E122", sub_app("SENTIMENT", FRAUD={"BURST_HOURS": 0})),
    ("ai_commerce.E024", sub_app("SENTIMENT", HOST_STATUS={"deleted": "x"})),
    ("ai_commerce.E030", sub_app("PRICING", HOLDOUT_DAYS=2)),
    ("ai_commerce.E031", sub_app("PRICING", MIN_HOLDOUT_PRODUCTS=0)),
    ("ai_commerce.E032", sub_app("PRICING", HOLDOUT_MAX_SHARE=0.95)),
    ("ai_commerce.E033", sub_app("PRICING", PROMOTION_TOLERANCE="0.1")),
    ("ai_commerce.E034", sub_app("PRICING", SUGGESTION_DAYS=True)),
    ("ai_commerce.E035", sub_app("PRICING", PERIOD_PRICE="median")),
    ("ai_commerce.W030", pricing_without_order_lines),
    ("ai_commerce.E070", sub_app("FORECAST", HORIZON_DAYS=3)),
    ("ai_commerce.E071", sub_app("FORECAST", BACKTEST_ORIGINS=0)),
    ("ai_commerce.E072", sub_app("FORECAST", ORIGIN_STEP_DAYS="28")),
    ("ai_commerce.E073", sub_app("FORECAST", MIN_HISTORY_DAYS=1000)),
    ("ai_commerce.E074", sub_app("FORECAST", MIN_BACKTEST_PRODUCTS=0)),
    ("ai_commerce.E075", sub_app("FORECAST", PROMOTION_TOLERANCE=2)),
    ("ai_commerce.E076", sub_app("FORECAST", OVERSTOCK_DAYS=True)),
    ("ai_commerce.E077", sub_app("FORECAST", MIN_HISTORY_DAYS=60)),
    ("ai_commerce.W070", forecast_without_order_lines),
    ("ai_commerce.W071", forecast_without_stock),
    ("ai_commerce.E080", sub_app("SEARCH", PAGE_SIZE=0)),
    ("ai_commerce.E081", sub_app("SEARCH", MAX_PAGE_SIZE=1000)),
    ("ai_commerce.E082", sub_app("SEARCH", MAX_CANDIDATES=5)),
    ("ai_commerce.E083", sub_app("SEARCH", RERANK_DEPTH="100")),
    ("ai_commerce.E084", sub_app("SEARCH", MIN_SESSIONS=1)),
    ("ai_commerce.E085", sub_app("SEARCH", HOLDOUT_SHARE=0.9)),
    ("ai_commerce.E086", sub_app("SEARCH", ATTRIBUTION_DAYS=True)),
    ("ai_commerce.E087", sub_app("SEARCH", REFRESH_SECONDS=-1)),
    ("ai_commerce.E088", sub_app("SEARCH", RERANK_BLEND={"category": 1.5})),
    ("ai_commerce.E089", sub_app("SEARCH", THROTTLE_RATE="fast")),
    ("ai_commerce.W081", sub_app("SEARCH", EXPLORE_SHARE=0.5)),
    ("ai_commerce.W080", search_titles_only),
    ("ai_commerce.E090", core("check_field_mappings", ORDER_FIELDS=["user"])),
    ("ai_commerce.E091", fields("ORDER_FIELDS", colour="status")),
    ("ai_commerce.E092", core("check_field_mappings", ORDER_MODEL="shop.Order")),
    ("ai_commerce.E093", fields("ORDER_FIELDS", user=None)),
    ("ai_commerce.E094", fields("ORDER_FIELDS", status="stattus")),
    ("ai_commerce.E095", fields("ORDER_FIELDS", number="lines__qty")),
    ("ai_commerce.E096", sub_app("ASSISTANT", CONFIDENCE_THRESHOLD=2)),
    ("ai_commerce.E097", sub_app("ASSISTANT", RETRIEVAL_MIN_COVERAGE=-1)),
    ("ai_commerce.E098", sub_app("ASSISTANT", RETENTION_DAYS=0)),
    ("ai_commerce.E099", sub_app("ASSISTANT", THROTTLE_RATE="lots")),
    ("ai_commerce.W096", assistant_without_orders),
    ("ai_commerce.W097", sub_app("ASSISTANT", ANGER_WORDS="angry")),
    ("ai_commerce.W098", sub_app("ASSISTANT", REPHRASE="no.such.callable")),
    ("ai_commerce.E040", sub_app("RECOMMENDATIONS", TOP_K=0)),
    ("ai_commerce.E043", sub_app("RECOMMENDATIONS", RELATED_K=201)),
    ("ai_commerce.E044", sub_app("RECOMMENDATIONS", CHUNK_SIZE=5)),
    ("ai_commerce.E045", sub_app("RECOMMENDATIONS", CACHE_SECONDS=-1)),
    ("ai_commerce.E046", sub_app("RECOMMENDATIONS", PROMOTION_TOLERANCE=2)),
    ("ai_commerce.E041", sub_app("RECOMMENDATIONS", CACHE="nope")),
    ("ai_commerce.E042", sub_app("RECOMMENDATIONS", PARAMS=[])),
    ("ai_commerce.E047", sub_app("RECOMMENDATIONS", PARAMS={"epochz": 5})),
    ("ai_commerce.E048", fan_out_without_result_backend),
    ("ai_commerce.E049", sub_app("RECOMMENDATIONS", PARAMS={"kind_weights": {"click": 1.0}})),
    ("ai_commerce.E140", sub_app("RECOMMENDATIONS", PARAMS={"positive_kinds": ["order"]})),
    ("ai_commerce.E141", sub_app("RECOMMENDATIONS", PARAMS={"positive_kinds": ["view"], "kind_weights": {"view": 0}})),
    ("ai_commerce.E142", sub_app("RECOMMENDATIONS", PARAMS={"rating_positive_at": 6})),
    ("ai_commerce.E143", sub_app("RECOMMENDATIONS", CLICK_RATE="30/fortnight")),
    ("ai_commerce.E149", sub_app("RECOMMENDATIONS", DEMOTE_RUNNING_OUT="yes")),
    ("ai_commerce.E144", sub_app("RECOMMENDATIONS", BUY_AGAIN="yes")),
    ("ai_commerce.E150", sub_app("MERCHANDISING", CACHE="nope")),
    ("ai_commerce.E151", sub_app("MERCHANDISING", CACHE_SECONDS=0)),
    ("ai_commerce.E152", sub_app("MERCHANDISING", PRICE_BANDS=[50, 10])),
    ("ai_commerce.E153", sub_app("MERCHANDISING", DIVERSIFY_DEPTH=True)),
    ("ai_commerce.W150", merchandising_without_created),
]


def code_ids():
    """Every literal check id in the package's source, once per occurrence (a table row or a message's call)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (match := ID.match(node.value)):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                # In a message's call or a table row; never in a variable that several messages could share.
                assert isinstance(parents[node], ast.Call | ast.keyword | ast.Tuple | ast.Dict), where
                found.append(f"ai_commerce.{match[1]}")
    return found


def documented_rows():
    """The (id, level) rows of the "System checks" table (docs/checks.md)."""
    section = CHECKS_PAGE.read_text().split("# System checks\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(ai_commerce\.[EW]\d{3})` \| (error|warning) \|", section, flags=re.MULTILINE)


def test_every_id_appears_once_in_the_code():
    """A literal id in two places (two calls, two table rows, or a call and a row) is two problems on one id."""
    found = code_ids()
    assert found, "no check ids found: the parser no longer matches the checks"
    assert [id_ for id_, count in Counter(found).items() if count > 1] == []


def test_the_checks_page_lists_every_id_once():
    rows = documented_rows()
    listed = [id_ for id_, _ in rows]
    assert [id_ for id_, count in Counter(listed).items() if count > 1] == []
    assert sorted(listed) == sorted(set(code_ids()))
    assert all(level == ("error" if id_[12] == "E" else "warning") for id_, level in rows)


def test_problems_have_distinct_ids():
    """One row per problem below, and every id the package emits has a row."""
    expected = [id_ for id_, _ in PROBLEMS]
    assert [id_ for id_, count in Counter(expected).items() if count > 1] == []
    assert sorted(expected) == sorted(set(code_ids()))


@pytest.mark.parametrize(("expected", "break_it"), PROBLEMS, ids=[id_ for id_, _ in PROBLEMS])
def test_each_problem_gives_only_its_own_id(settings, monkeypatch, expected, break_it):
    messages = break_it(settings, monkeypatch)
    assert ids(messages) == [expected]
    assert messages[0].level == (checks.ERROR if expected[12] == "E" else checks.WARNING)
    assert messages[0].hint
