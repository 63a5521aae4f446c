import pytest
from django.core.exceptions import ImproperlyConfigured

from ai_commerce.conf import app_settings, get_product_model
from tests.althost.models import Item


def test_defaults_and_merged_field_maps():
    assert app_settings.LOCK_CACHE == "default"
    # A shop maps only the fields it has; the rest of the defaults stay.
    assert app_settings.PRODUCT_FIELDS["price"] == "stockrecords__price_excl_tax"
    assert set(app_settings.ORDER_LINE_FIELDS) >= {"user", "product", "quantity", "unit_price", "created", "order"}


def test_override_settings_reloads(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "EVENTS_MAX_BATCH": 7}
    assert app_settings.EVENTS_MAX_BATCH == 7


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Invalid ai_commerce setting"):
        app_settings.NOPE  # noqa: B018


def test_get_product_model():
    assert get_product_model() is Item


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "must be set"), ("nodot", "form 'app_label.ModelName'"), ("shop.Missing", "has not been installed")],
)
def test_get_product_model_errors(settings, value, message):
    settings.AI_COMMERCE_PRODUCT_MODEL = value
    with pytest.raises(ImproperlyConfigured, match=message):
        get_product_model()
