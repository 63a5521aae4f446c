"""Forgetting a user removes their events and whatever each app derived from them."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ai_commerce import privacy
from ai_commerce.events import record_event
from ai_commerce.models import Interaction
from tests.factories import FeedbackFactory, ItemFactory, PurchaseFactory, SaleLineFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def derived():
    """An app's derived data about users (as recommendations will register), kept in a dict for the test."""
    store = {}

    def forget(user_id):
        return 1 if store.pop(user_id, None) is not None else 0

    privacy.register_forgetter("test-derived", forget)
    yield store
    privacy._forgetters.pop("test-derived")


def history(user):
    SaleLineFactory(purchase=PurchaseFactory(buyer=user))
    FeedbackFactory(reviewer=user)
    record_event(kind="view", product=ItemFactory(), user=user)


def test_forget_user_removes_events_and_derived_data(derived):
    keep, forget = UserFactory(), UserFactory()
    history(keep)
    history(forget)
    derived[forget.pk] = "embedding"
    derived[keep.pk] = "embedding"
    removed = privacy.forget_user(forget.pk)
    assert removed == {"events": 3, "test-derived": 1, "sentiment": 0, "recommendations": 0,  # every installed app
                       "search": 0, "restock": 0, "assistant": 0}
    assert not Interaction.objects.filter(user=forget).exists()
    assert Interaction.objects.filter(user=keep).count() == 3 and keep.pk in derived
    assert get_user_model().objects.filter(pk=forget.pk).exists()  # the account is the shop's business


def test_deleting_a_user_forgets_them(derived):
    user = UserFactory()
    history(user)
    derived[user.pk] = "embedding"
    user.delete()
    assert not Interaction.objects.filter(user_id=user.pk).exists()
    assert user.pk not in derived


def test_forget_user_command(capsys, derived):
    user = UserFactory()
    history(user)
    call_command("ai_commerce_forget_user", str(user.pk))
    assert f"Forgot user {user.pk}: removed 0 assistant, 3 events" in capsys.readouterr().out
    assert not Interaction.objects.filter(user=user).exists()


@pytest.mark.parametrize(("arg", "message"), [("abc", "not a valid user id"), ("424242", "no user with id 424242")])
def test_forget_user_command_bad_input(arg, message):
    with pytest.raises(CommandError, match=message):
        call_command("ai_commerce_forget_user", arg)


def test_a_failing_forgetter_rolls_back_everything():
    user = UserFactory()
    history(user)
    privacy.register_forgetter("zz-broken", lambda user_id: 1 / 0)
    try:
        with pytest.raises(ZeroDivisionError):
            privacy.forget_user(user.pk)
    finally:
        privacy._forgetters.pop("zz-broken")
    assert Interaction.objects.filter(user=user).count() == 3
