"""Buy it again in the shop: a real (tiny) training run judges the learned repurchase timing against P-TopFreq and
stores what serves; serving reads only the signed-in shopper's own purchases, with reasons, through the service, the
API and the template tag; anonymous visitors, forgotten users and bad input are handled."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import checks
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion, TrainingRun
from ai_commerce.privacy import forget_user
from ai_commerce.recommendations import buy_again, dashboard, precompute, training
from ai_commerce.recommendations.checks import check_recommendation_settings
from ai_commerce.recommendations.models import RepurchaseCycle
from tests.factories import ItemFactory, SectionFactory, StockRecordFactory, UserFactory
from tests.recommendations import repeat_shops
from tests.recommendations.test_training import TINY, configure

pytestmark = pytest.mark.django_db


class Reporter:
    def __init__(self):
        self.lines = []

    def log(self, line):
        self.lines.append(line)

    def progress(self, pct, msg=""):
        pass


def products(n, name):
    section = SectionFactory(name=name)
    found = []
    for i in range(n):
        item = ItemFactory(label=f"{name} {i}")
        item.sections.add(section)
        StockRecordFactory(item=item, num_in_stock=10)
        found.append(item)
    return found


def record(rows):
    """The engine rows as the shop's event log (a history that ended ten days ago: windows follow the data)."""
    Interaction.objects.bulk_create(
        Interaction(user=user, product=product, kind=kind, occurred_at=when, quantity=quantity, order_ref=order,
                    source="backfill", event_id=f"b{n}")
        for n, (user, product, when, kind, quantity, order) in enumerate(rows))


def start():
    return timezone.now() - dt.timedelta(days=repeat_shops.END + 10)


@pytest.fixture
def due_again():
    users = UserFactory.create_batch(30)
    old, cyclic, new = products(40, "Old"), products(10, "Cyclic"), products(6, "New")
    record(repeat_shops.due_again(users, old, cyclic, new, start()))
    return {"users": users, "old": old, "cyclic": cyclic, "new": new}


@pytest.fixture
def frequency_only():
    users = UserFactory.create_batch(30)
    items = products(20, "Tea")
    record(repeat_shops.frequency_only(users, items, start()))
    return {"users": users, "items": items}


def trained(holdout_days=14):
    """A version whose buy-it-again part is trained for real on the event log (the engine's own part is not needed
    to serve it), activated as a promoted run would be."""
    conf = {"BUY_AGAIN": True}
    stored, cycles = training.train_buy_again(training.interactions(), holdout_days, conf, Reporter())
    version = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.1, "buy_again": stored})
    precompute.write_cycles(version, cycles)
    registry.activate(version)
    return version


def ids(items):
    return [item.product.pk for item in items]


@pytest.mark.train
def test_a_real_training_run_judges_buy_again_and_serves_the_learned_timing(settings, due_again):
    configure(settings, PARAMS={**TINY, "holdout_days": 14}, PROMOTION_TOLERANCE=1.0)
    done = registry.execute_run(TrainingRun.objects.create(kind="recommendations").pk)
    assert done.status == "succeeded", (done.error, done.log)
    version = done.model_version
    judged = version.metrics["buy_again"]
    assert judged["served"] == "learned", judged["reason"]
    assert judged["learned"]["recall_at_10"] > judged["p_topfreq"]["recall_at_10"]
    assert judged["holdout_days"] == 14 and judged["holdout_end"][:4].isdigit()
    assert "buy it again:" in done.log and judged["model"]["features"]
    assert RepurchaseCycle.objects.filter(model_version=version).count() == 56  # every product bought
    shopper = due_again["users"][0]
    got = buy_again.buy_again_for(shopper, k=3)
    bought = set(Interaction.objects.filter(user=shopper).values_list("product_id", flat=True))
    old = {item.pk for item in due_again["old"]}
    assert set(ids(got)) <= bought and not set(ids(got)) & old, "the products due again come before stale ones"


def test_the_learned_timing_serves_with_reasons_from_the_shoppers_own_purchases(due_again,
                                                                                  django_assert_max_num_queries):
    trained()
    shopper = due_again["users"][1]
    assert buy_again.status(shopper).served == "learned"
    for k in (1, 20):
        with django_assert_max_num_queries(7):
            got = buy_again.buy_again_for(shopper, k=k)
    mine = set(Interaction.objects.filter(user=shopper).values_list("product_id", flat=True))
    assert len(got) == 16 and set(ids(got)) <= mine  # 11 old, 3 cyclic, 2 once: only what they bought
    cyclic, old = {item.pk for item in due_again["cyclic"]}, {item.pk for item in due_again["old"]}
    rank = {pk: n for n, pk in enumerate(ids(got))}
    assert max(rank[pk] for pk in cyclic & mine) < min(rank[pk] for pk in old & mine)  # due again before stale
    got = [item for item in got if item.product.pk in cyclic]
    # "now" is the shop's newest event (three days before its end), not the wall clock
    newest = Interaction.objects.latest("occurred_at").occurred_at.astimezone(dt.UTC).date()
    last = Interaction.objects.filter(user=shopper, product=got[0].product).latest("occurred_at").occurred_at
    ago = (newest - last.astimezone(dt.UTC).date()).days
    assert ago in (3, 4) and got[0].reason == f"You buy this about every 2 weeks; last bought {ago} days ago"
    assert got[0].placement == "buy_again" and got[0].reason_code == "buy_again"
    stale = buy_again.buy_again_for(shopper, k=20)[-1]
    assert stale.product.pk in old and stale.reason.startswith("You buy this about every"), stale.reason


def test_products_the_shop_cannot_sell_are_left_out_and_never_backfilled(due_again):
    trained()
    shopper = due_again["users"][2]
    first = buy_again.buy_again_for(shopper, k=3)
    sold_out = first[0].product
    sold_out.stockrecords.update(num_in_stock=0)
    sold_out.save()  # the served lists follow the shop
    again = buy_again.buy_again_for(shopper, k=20)
    assert sold_out.pk not in ids(again) and len(again) == 15
    mine = set(Interaction.objects.filter(user=shopper).values_list("product_id", flat=True))
    assert set(ids(again)) <= mine


def test_p_topfreq_serves_with_the_reason_where_the_learned_timing_does_not_beat_it(frequency_only):
    trained(holdout_days=30)
    shopper = frequency_only["users"][0]
    state = buy_again.status(shopper)
    assert state.served == "p_topfreq" and "does not beat" in state.reason
    got = buy_again.buy_again_for(shopper, k=10)
    counts = {}
    for product_id, day in Interaction.objects.filter(user=shopper).values_list("product_id", "occurred_at__date"):
        counts.setdefault(product_id, set()).add(day)
    times = [len(counts[pk]) for pk in ids(got)]
    assert times == sorted(times, reverse=True) and len(got) == 8
    top = got[0]
    assert times[0] > 1 and top.reason.startswith(f"You bought this {times[0]} times; last"), top.reason


def test_a_shop_without_repeat_purchases_is_off_and_the_dashboard_says_why():
    users, items = UserFactory.create_batch(10), products(60, "Gift")
    record(repeat_shops.one_offs(users, items, start()))
    version = trained()
    assert version.metrics["buy_again"]["served"] == "off"
    assert not RepurchaseCycle.objects.exists()
    assert buy_again.buy_again_for(users[0], k=5) == []
    assert "bought the same product twice" in buy_again.status(users[0]).reason
    panel = dashboard.recommendations_panel(version)
    assert panel["buy_again"]["served"] == "off" and "twice" in panel["buy_again"]["reason"]


def test_an_anonymous_visitor_gets_an_empty_list_and_a_reason_never_someone_elses(client, due_again):
    trained()
    assert buy_again.buy_again_for(AnonymousUser(), k=5) == [] and buy_again.buy_again_for(None, k=5) == []
    body = client.get("/ai/api/recommendations/buy-again/", {"k": 5}).json()
    assert body["results"] == [] and body["served"] == "off" and "Sign in" in body["reason"]
    # a signed-in shopper sees only their own, and there is no parameter to ask for anyone else's
    shopper, other = due_again["users"][3], due_again["users"][4]
    client.force_login(shopper)
    mine = client.get("/ai/api/recommendations/buy-again/", {"k": 50, "user": other.pk}).json()
    theirs = set(Interaction.objects.filter(user=other).values_list("product_id", flat=True))
    own = set(Interaction.objects.filter(user=shopper).values_list("product_id", flat=True))
    assert mine["served"] == "learned" and {int(r["product"]) for r in mine["results"]} == own
    assert theirs - own and not {int(r["product"]) for r in mine["results"]} & (theirs - own)
    assert mine["results"][0]["attribution"].startswith("buy_again:")


def test_bad_k_is_a_400_naming_the_field(client, due_again):
    client.force_login(due_again["users"][0])
    for k in (0, 51, "x"):
        bad = client.get("/ai/api/recommendations/buy-again/", {"k": k})
        assert bad.status_code == 400 and "k" in bad.json()
    with pytest.raises(ValueError):
        buy_again.buy_again_for(due_again["users"][0], k=0)


def test_forgetting_a_user_leaves_nothing_to_buy_again(due_again):
    trained()
    shopper = due_again["users"][5]
    assert buy_again.buy_again_for(shopper, k=5)  # cached now
    forget_user(shopper.pk)
    assert buy_again.buy_again_for(shopper, k=5) == []
    assert not Interaction.objects.filter(user=shopper).exists()


def test_the_template_tag_shows_the_signed_in_shoppers_list_and_nothing_to_anyone_else(due_again):
    trained()
    page = Template("{% load ai_recommendations %}{% buy_again k=3 %}")
    request = RequestFactory().get("/")
    request.user, request.session = due_again["users"][6], None
    html = page.render(Context({"request": request}))
    assert html.count('class="ai-item"') == 3 and "Buy it again" in html and "about every" in html
    request.user = AnonymousUser()
    assert page.render(Context({"request": request})).strip() == ""


def test_buy_again_can_be_turned_off_and_the_setting_is_checked(settings, due_again):
    trained()
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RECOMMENDATIONS": {"BUY_AGAIN": False}}
    assert buy_again.buy_again_for(due_again["users"][0], k=5) == []
    assert "turned off" in buy_again.status(due_again["users"][0]).reason
    errors = check_recommendation_settings(conf={**settings.AI_COMMERCE["RECOMMENDATIONS"], "BUY_AGAIN": "yes"})
    assert [e.id for e in errors if isinstance(e, checks.Error) and "BUY_AGAIN" in e.msg] == ["ai_commerce.E144"]
