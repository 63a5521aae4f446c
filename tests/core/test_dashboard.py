"""The AI dashboard and the model registry admin: what they show, what they cost, and who may do what."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.dashboard import charts
from ai_commerce.models import Interaction, ModelVersion, TrainingRun
from ai_commerce.pricing import dashboard as pricing_dashboard
from ai_commerce.pricing.models import PriceChange, PriceSuggestion
from ai_commerce.recommendations import dashboard as recommendations_dashboard
from ai_commerce.recommendations.models import Recommendation
from ai_commerce.sentiment import dashboard as sentiment_dashboard
from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from tests.factories import ItemFactory, StockRecordFactory, UserFactory
from tests.trainers import popularity_trainer, trainer_for

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/ai_commerce/dashboard/"
PROGRESS = "/admin/ai_commerce/dashboard/progress/"
VERSIONS = "/admin/ai_commerce/modelversion/"


def staff(client, *perms):
    """Log ``client`` in as a staff user holding exactly ``perms`` ("app_label.codename")."""
    user = UserFactory(is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client.force_login(user)
    return user


def event(product, kind="view", user=None, when=None, quantity=1, price=None):
    return Interaction(product=product, kind=kind, user=user, session_key="" if user else "anon", quantity=quantity,
                       unit_price=price, occurred_at=when or timezone.now(), source="app")


def suggestion(product, **fields):
    values = {
        "current_price": Decimal("20.00"), "suggested_price": Decimal("18.00"), "change_pct": -10.0,
        "objective": "revenue", "reason": "elastic", "elasticity": -2.0, "elasticity_low": -2.5,
        "elasticity_high": -1.5, "units_now": 10.0, "units_new": 12.2, "units_new_low": 11.0, "units_new_high": 13.0,
        "revenue_now": Decimal("200.00"), "revenue_new": Decimal("219.60"),
        "expires_at": timezone.now() + dt.timedelta(days=7),
    }
    return PriceSuggestion.objects.create(product=product, **{**values, **fields})


def populate(scale):
    """A shop with ``scale`` times the data: events over 60 days, versions of every kind with a run each,
    recommendations, scored reviews with falling products, and applied prices with purchases around them."""
    now = timezone.now()
    items = ItemFactory.create_batch(4 * scale)
    users = UserFactory.create_batch(3 * scale)
    events = [event(items[i % len(items)], kind, users[i % len(users)], now - dt.timedelta(days=i % 60, hours=1),
                     price=Decimal("10.00") if kind == "purchase" else None)
              for i in range(40 * scale) for kind in ("view", "purchase", "rating")]
    Interaction.objects.bulk_create(events)
    for kind, metric in (("recommendations", "recall_at_10"), ("sentiment", "macro_f1"), ("pricing", "demand_skill")):
        for n in range(2 * scale):
            version = ModelVersion.objects.create(kind=kind, metrics={metric: 0.1 + n / 100, "n": n})
            registry.activate(version)
            TrainingRun.objects.create(kind=kind, status="succeeded", model_version=version, progress=100)
    active = ModelVersion.objects.get(kind="recommendations", is_active=True)
    Recommendation.objects.bulk_create(
        Recommendation(model_version=active, user=user, product=items[r], rank=r, score=1.0, reason="popular")
        for user in users[: len(users) // 2] for r in range(3))
    reviews = []
    for i, item in enumerate(items):
        for month_back, score in ((1, 0.6), (0, -0.4 if i % 2 else 0.7)):
            reviews.append(ReviewSentiment(
                review_key=f"{item.pk}-{month_back}", product=item, label="negative" if score < 0 else "positive",
                score=score, confidence=0.9, flags=["strongly_negative"] if score < 0 else [],
                reviewed_at=now - dt.timedelta(days=31 * month_back)))
        per_month = 1 if i % 4 == 3 else 5  # every fourth item: one review a month, not enough to tell a trend
        ProductSentiment.objects.create(product=item, review_count=2, average_score=0.1, summary={"trend": [
            {"month": "2024-01", "average_score": 0.6, "n": per_month},
            {"month": "2024-02", "average_score": -0.4 if i % 2 else 0.7, "n": per_month}]})
    ReviewSentiment.objects.bulk_create(reviews)
    for item in items[:scale]:
        applied = suggestion(item, status="applied")
        PriceChange.objects.create(product=item, suggestion=applied, action="apply", old_price=Decimal("20.00"),
                                   new_price=Decimal("18.00"))
        suggestion(item)
    return items


# -- charts ----------------------------------------------------------------------------------------------------
def test_charts_are_svg_with_escaped_labels_and_tooltips():
    line = charts.line_chart({"<recall>": [(dt.date(2024, 1, 1), 0.1), (dt.date(2024, 2, 1), 0.2), (None, None)]},
                             title="A & B")
    assert line.startswith("<svg") and line.endswith("</svg>")
    assert "&lt;recall&gt;: 0.2 (2024-02-01)</title>" in line and "A &amp; B" in line and "<polyline" in line
    bars = charts.bar_chart(["01-01", "01-02"], {"view": [3, 0], "purchase": [1, 2]}, title="Events")
    assert bars.count("<rect") == 2 + 3  # two legend swatches, three non-zero bars
    assert "01-02 purchase: 2</title>" in bars
    assert "no data yet" in charts.line_chart({}, title="x") and "no data yet" in charts.bar_chart([], {}, title="y")


def test_nice_ticks_cover_the_range():
    assert charts._nice_ticks(0, 0.17) == [0.0, 0.05, 0.1, 0.15, 0.2]
    assert charts._nice_ticks(0, 1234) == [0.0, 500.0, 1000.0, 1500.0]
    assert charts._nice_ticks(-0.3, 0.8)[0] <= -0.3 and charts._nice_ticks(-0.3, 0.8)[-1] >= 0.8


# -- the dashboard ---------------------------------------------------------------------------------------------
def test_dashboard_shows_every_capability_with_charts(admin_client):
    populate(1)
    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    # restock: the tests' own capability
    for kind in ("recommendations", "sentiment", "pricing", "forecast", "search", "assistant", "merchandising",
                 "restock"):
        assert f'id="ai-{kind}"' in page
    assert 'id="ai-merchandising-panel"' in page
    # held-out metrics per kind that trains (7: merchandising does not), sentiment per month, events per day
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="ai-chart"') == 7 + 1 + 1
    assert "Retrain now" in page and "data-ai-progress-url" in page
    assert "?flag=any" in page and "?status__exact=pending" in page
    assert "No impressions yet" in page  # the online table appears once placements have rendered
    assert "ai_commerce/dashboard.js" in page and "cdn" not in page.lower()
    assert "1 more product's average fell on fewer than 5 reviews in a month: not enough reviews to tell." in page


def test_dashboard_costs_the_same_queries_whatever_the_data_size(admin_client, django_assert_max_num_queries):
    from ai_commerce.schedules import ensure_schedules

    ensure_schedules()
    populate(1)
    # session, user, 2 overview, versions, 2 events (the newest one's day, the counts), 4 recommendations,
    # 5 sentiment, 4 pricing, 2 forecast, 1 search (no searches yet: the newest one's date), 2 assistant,
    # 2 merchandising (rules, audit log), schedules
    with django_assert_max_num_queries(28):
        assert admin_client.get(DASHBOARD).status_code == 200
    populate(5)
    with django_assert_max_num_queries(28):
        assert admin_client.get(DASHBOARD).status_code == 200


def test_the_charts_end_on_the_newest_data_and_say_when_it_stopped(admin_client):
    """A shop whose events stopped (or a demo seeded weeks ago) still sees its last weeks, not empty charts."""
    item = ItemFactory()
    stopped = timezone.now() - dt.timedelta(days=400)
    Interaction.objects.bulk_create([event(item, "purchase", when=stopped - dt.timedelta(days=d)) for d in range(3)])
    ReviewSentiment.objects.create(review_key="old", product=item, label="positive", score=0.8, confidence=0.9,
                                   reviewed_at=stopped)
    page = admin_client.get(DASHBOARD).content.decode()
    end = timezone.localdate(stopped)
    assert f"3 events in the 60 days to {end:%Y-%m-%d}." in page
    assert f"No event since {end:%Y-%m-%d} (400 days ago)" in page
    months, series = sentiment_dashboard.sentiment_labels_per_month()
    assert months[-1] == f"{end:%Y-%m}" and series == {"positive": [0] * 11 + [1]}

    Interaction.objects.bulk_create([event(item)])  # trading again: the window ends today, nothing to warn of
    page = admin_client.get(DASHBOARD).content.decode()
    assert f"1 events in the 60 days to {timezone.localdate():%Y-%m-%d}." in page and "No event since" not in page


def test_coverage_counts_active_users_and_products():
    items = ItemFactory.create_batch(4)
    users = UserFactory.create_batch(3)
    old = UserFactory()
    Interaction.objects.bulk_create([event(items[0], user=u) for u in users] +
                                    [event(items[0], user=old, when=timezone.now() - dt.timedelta(days=40))])
    version = registry.activate(ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.1}))
    Recommendation.objects.bulk_create([
        Recommendation(model_version=version, user=users[0], product=items[1], rank=0, score=1, reason="popular"),
        Recommendation(model_version=version, user=old, product=items[2], rank=0, score=1, reason="popular")])
    panel = recommendations_dashboard.recommendations_panel(version)
    assert (panel["covered_users"], panel["active_users"]) == (1, 3)  # the old user is not active
    assert (panel["covered_products"], panel["products"]) == (2, 4)
    assert recommendations_dashboard.recommendations_panel(None)["covered_users"] == 0


def test_sentiment_panel_finds_falling_products_and_flags():
    items = populate(1)
    panel = sentiment_dashboard.sentiment_panel()
    assert [f["product_id"] for f in panel["falling"]] == [items[1].pk]
    assert round(panel["falling"][0]["change"], 2) == -1.0
    # items[3] fell as far, on one review in each month (issue 25's "0.99 (1) -> -0.87 (1)"): not a trend
    assert panel["falling_too_few"] == 1 and panel["min_reviews_per_month"] == 5
    assert panel["flagged"] == panel["flagged_pending"] == 2
    assert sum(sum(counts) for counts in panel["series"].values()) == 8


def test_realized_effect_compares_weekly_units_and_revenue_with_the_expectation():
    item = ItemFactory()
    StockRecordFactory(item=item)
    applied = suggestion(item, status="applied")
    change = PriceChange.objects.create(product=item, suggestion=applied, action="apply",
                                        old_price=Decimal("20.00"), new_price=Decimal("18.00"))
    at = change.created_at
    buyer = UserFactory()
    # 28 days before: 2 units a week at 20.00; 14 days after: 3 units a week at 18.00
    Interaction.objects.bulk_create(
        [event(item, "purchase", buyer, at - dt.timedelta(days=d), quantity=2, price=Decimal("20.00"))
         for d in (1, 8, 15, 22)]
        + [event(item, "purchase", buyer, at + dt.timedelta(days=d), quantity=3, price=Decimal("18.00"))
           for d in (1, 8)]
        + [event(item, "purchase", buyer, at - dt.timedelta(days=40), quantity=50)])  # outside the window
    effects = pricing_dashboard.realized_effects(now=at + dt.timedelta(days=14))
    assert len(effects) == 1
    effect = effects[0]
    assert effect["units_before"] == pytest.approx(2.0) and effect["units_after"] == pytest.approx(3.0)
    assert effect["revenue_before"] == pytest.approx(40.0) and effect["revenue_after"] == pytest.approx(54.0)
    assert effect["units_pct"] == pytest.approx(50.0) and effect["expected_units_pct"] == pytest.approx(22.0)
    assert effect["days_after"] == 14
    # right after the change there is nothing to compare yet
    assert pricing_dashboard.realized_effects(now=at + dt.timedelta(hours=1))[0]["units_after"] is None


def test_the_dashboard_is_linked_from_the_admin_index_for_those_who_may_see_it(client, admin_client):
    assert DASHBOARD in admin_client.get("/admin/").content.decode()
    assert DASHBOARD in admin_client.get("/admin/ai_commerce/").content.decode()
    assert DASHBOARD in admin_client.get(VERSIONS).content.decode()
    staff(client, "ai_commerce.view_interaction")
    assert DASHBOARD not in client.get("/admin/").content.decode()


@pytest.mark.urls("tests.shop_admin_urls")
def test_a_shop_with_its_own_admin_site_gets_the_dashboard_by_registering_the_admins(admin_client):
    populate(1)
    index = admin_client.get("/shop-admin/").content.decode()
    assert 'href="/shop-admin/ai_commerce/dashboard/"' in index and "AI dashboard" in index
    page = admin_client.get("/shop-admin/ai_commerce/dashboard/")
    assert page.status_code == 200 and 'id="ai-recommendations"' in page.content.decode()
    assert 'action="/shop-admin/ai_commerce/dashboard/retrain/pricing/"' in page.content.decode()
    progress = admin_client.get("/shop-admin/ai_commerce/dashboard/progress/").json()
    assert {run["kind"] for run in progress["runs"]} <= {"recommendations", "sentiment", "pricing", "forecast",
                                                         "restock"}


def test_schedules_are_linked_from_the_dashboard(admin_client):
    from ai_commerce.schedules import ensure_schedules

    ensure_schedules()
    page = admin_client.get(DASHBOARD).content.decode()
    assert "/admin/django_celery_beat/periodictask/?q=ai_commerce" in page
    assert "retrain pricing weekly" in page


# -- permissions -----------------------------------------------------------------------------------------------
def test_dashboard_needs_the_view_permission(client):
    assert client.get(DASHBOARD).status_code == 302  # to the admin login
    staff(client)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(PROGRESS).status_code == 403


def test_viewers_see_but_cannot_retrain_or_roll_back(client):
    staff(client, "ai_commerce.view_modelversion")
    page = client.get(DASHBOARD).content.decode()
    assert "Retrain now" not in page
    assert client.post("/admin/ai_commerce/dashboard/retrain/pricing/").status_code == 403
    assert client.post("/admin/ai_commerce/dashboard/rollback/pricing/").status_code == 403
    assert not TrainingRun.objects.exists()
    assert client.get(PROGRESS).status_code == 200


def test_view_only_users_have_no_registry_actions(client):
    version = ModelVersion.objects.create(kind="pricing", metrics={"demand_skill": 0.3})
    staff(client, "ai_commerce.view_modelversion")
    page = client.get(VERSIONS)
    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]
    assert "activate" not in actions and "retrain" not in actions and "compare" in actions
    client.post(VERSIONS, {"action": "activate", "_selected_action": [version.pk]})
    version.refresh_from_db()
    assert not version.is_active
    assert client.get(f"{VERSIONS}{version.pk}/change/").status_code == 200  # read-only page


# -- registry actions ------------------------------------------------------------------------------------------
def test_activate_refuses_a_failed_version_and_changes_nothing(client):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    good = registry.activate(ModelVersion.objects.create(kind="pricing", metrics={"demand_skill": 0.3}))
    failed = ModelVersion.objects.create(kind="pricing", status="failed", metrics={"demand_skill": 0.9})
    unevaluated = ModelVersion.objects.create(kind="sentiment")
    response = client.post(VERSIONS, {"action": "activate", "_selected_action": [failed.pk]}, follow=True)
    assert "failed, so it cannot be activated" in response.content.decode()
    response = client.post(VERSIONS, {"action": "activate", "_selected_action": [unevaluated.pk]}, follow=True)
    assert "no held-out metrics" in response.content.decode()
    assert list(ModelVersion.objects.filter(is_active=True)) == [good]
    response = client.post(VERSIONS, {"action": "activate", "_selected_action": [good.pk, failed.pk]}, follow=True)
    assert "at most one version of each kind" in response.content.decode()


def test_activate_and_roll_back_from_the_admin(client):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    first = registry.activate(ModelVersion.objects.create(kind="pricing", metrics={"demand_skill": 0.3}))
    second = ModelVersion.objects.create(kind="pricing", metrics={"demand_skill": 0.4})
    response = client.post(VERSIONS, {"action": "activate", "_selected_action": [second.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"pricing v{second.pk} is now active."]
    assert ModelVersion.objects.get(is_active=True) == second
    response = client.post(VERSIONS, {"action": "rollback", "_selected_action": [second.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"pricing v{first.pk} is active again."]
    assert ModelVersion.objects.get(is_active=True) == first
    page = client.post("/admin/ai_commerce/dashboard/rollback/sentiment/", follow=True).content.decode()
    assert "no earlier sentiment version" in page


@pytest.fixture
def workers(settings, monkeypatch):
    """Tasks go to Celery workers instead of running in-process (nothing reaches the broker: on_commit callbacks run
    only when a test runs them)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_changes(), "task_always_eager", False)  # whatever other tests set on the app


def celery_changes():
    """What was set on the current Celery app itself, over what it reads from Django settings."""
    from celery import current_app

    current_app.conf.get("broker_url")  # loads its configuration, if nothing has yet
    return current_app.conf.changes


def test_retrain_now_shows_live_progress_until_a_new_version_appears(client, django_capture_on_commit_callbacks,
                                                                     workers, monkeypatch):
    user = staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    item = ItemFactory()
    Interaction.objects.bulk_create([event(item, "purchase", UserFactory()) for _ in range(4)])
    with trainer_for("pricing", popularity_trainer):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post("/admin/ai_commerce/dashboard/retrain/pricing/", follow=True)
        run = TrainingRun.objects.get()
        assert (run.status, run.triggered_by, run.triggered_by_user) == ("queued", "admin", user)
        page = response.content.decode()
        assert f"Training run {run.pk} of pricing is queued" in page
        assert f'data-ai-progress-url="{PROGRESS}?run={run.pk}"' in page
        state = client.get(PROGRESS, {"run": run.pk}).json()["runs"][0]
        assert (state["status"], state["finished"], state["model_version"]) == ("queued", False, None)
        monkeypatch.setitem(celery_changes(), "task_always_eager", True)  # the worker, emulated in this process
        for callback in callbacks:
            callback()
    state = client.get(PROGRESS, {"run": run.pk}).json()["runs"][0]
    assert state["status"] == "succeeded" and state["finished"] and state["progress"] == 100
    assert state["model_version"]["is_active"]
    assert client.get(PROGRESS).json()["active"]["pricing"]["id"] == state["model_version"]["id"]


def never_in_the_request(*args, **kwargs):
    raise AssertionError("trained inside the web request")


def test_retrain_now_with_eager_celery_names_the_command_and_trains_nothing_in_the_request(
        client, django_capture_on_commit_callbacks, monkeypatch):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    monkeypatch.setattr(registry, "execute_run", never_in_the_request)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/admin/ai_commerce/dashboard/retrain/pricing/", follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    [message] = response.context["messages"]
    assert message.level_tag == "warning" and "CELERY_TASK_ALWAYS_EAGER" in str(message)
    assert "python manage.py ai_commerce_train pricing" in str(message)
    assert callbacks == [] and not TrainingRun.objects.exists()


def test_retrain_action_queues_one_run_per_kind_and_goes_to_the_dashboard(client, workers):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    versions = [ModelVersion.objects.create(kind=kind) for kind in ("pricing", "pricing", "sentiment")]
    response = client.post(VERSIONS, {"action": "retrain", "_selected_action": [v.pk for v in versions]})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert sorted(TrainingRun.objects.values_list("kind", flat=True)) == ["pricing", "sentiment"]
    assert client.get("/admin/ai_commerce/dashboard/retrain/pricing/").status_code == 405


def test_retrain_action_with_eager_celery_names_each_command_and_trains_nothing_in_the_request(
        client, django_capture_on_commit_callbacks, monkeypatch):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    monkeypatch.setattr(registry, "execute_run", never_in_the_request)
    versions = [ModelVersion.objects.create(kind=kind) for kind in ("pricing", "pricing", "sentiment", "gone")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(VERSIONS, {"action": "retrain", "_selected_action": [v.pk for v in versions]},
                               follow=True)
    assert response.redirect_chain == [(VERSIONS, 302)]  # back to the list, which shows why
    messages = {m.level_tag: [] for m in response.context["messages"]}
    for m in response.context["messages"]:
        messages[m.level_tag].append(str(m))
    assert messages["error"] == ["gone is not installed."]
    assert [m.split("“")[1].split("”")[0] for m in messages["warning"]] == [
        "python manage.py ai_commerce_train pricing", "python manage.py ai_commerce_train sentiment"]
    assert callbacks == [] and not TrainingRun.objects.exists()


def test_versions_show_metrics_side_by_side_and_compare(admin_client):
    a = ModelVersion.objects.create(kind="sentiment", metrics={"macro_f1": 0.71, "accuracy": 0.8, "other": 3},
                                    params={"C": 1})
    b = ModelVersion.objects.create(kind="sentiment", metrics={"macro_f1": 0.74, "baselines": {"vader": 0.6}},
                                    params={"C": 2})
    page = admin_client.get(VERSIONS).content.decode()
    assert "macro_f1&nbsp;0.7100" in page and "macro_f1&nbsp;0.7400" in page
    response = admin_client.post(VERSIONS, {"action": "compare", "_selected_action": [a.pk, b.pk]})
    assert response.status_code == 302
    compare = admin_client.get(response["Location"])
    rows = {row["name"]: row for row in compare.context["rows"]}
    assert next(iter(rows)) in ("accuracy", "macro_f1") and "baselines.vader" in rows
    assert [c["best"] for c in rows["macro_f1"]["cells"]] == [False, True]
    assert [c for row in compare.context["params"] for c in row["cells"]] == [1, 2]
    assert admin_client.get(f"{VERSIONS}{a.pk}/change/").status_code == 200


def test_compare_needs_the_view_permission(client):
    staff(client, "ai_commerce.view_interaction")
    assert client.get(f"{VERSIONS}compare/?ids=1").status_code == 403


def test_a_training_run_page_shows_its_log_and_error_preformatted(admin_client):
    run = TrainingRun.objects.create(kind="pricing", status="failed", log="10:00 <start>\n10:01 fitting\n",
                                     error="Traceback:\n  ValueError: bad")
    page = admin_client.get(f"/admin/ai_commerce/trainingrun/{run.pk}/change/").content.decode()
    assert '<pre class="ai-pre">10:00 &lt;start&gt;\n10:01 fitting\n</pre>' in page
    assert "Traceback:\n  ValueError: bad</pre>" in page
    assert f"{PROGRESS}?run={run.pk}" in page and "ai_commerce/dashboard.js" in page
    assert 'name="_save"' not in page


# -- pricing rights --------------------------------------------------------------------------------------------
@pytest.fixture
def approved():
    item = ItemFactory()
    StockRecordFactory(item=item, price_excl_tax=Decimal("20.00"))
    return suggestion(item, status="approved")


def test_staff_without_pricing_rights_cannot_apply_a_price(client, approved):
    staff(client, "ai_commerce.view_modelversion", "ai_commerce.change_modelversion")
    url = "/admin/ai_commerce_pricing/pricesuggestion/"
    assert client.get(url).status_code == 403
    client.post(url, {"action": "apply", "_selected_action": [approved.pk]})
    api = f"/ai/api/pricing/suggestions/{approved.pk}/apply/"
    assert client.post(api).status_code == 403
    assert client.get("/ai/api/pricing/suggestions/").status_code == 403
    assert client.post("/ai/api/pricing/policies/", {"name": "x"}, content_type="application/json").status_code == 403
    approved.refresh_from_db()
    assert approved.status == "approved" and not PriceChange.objects.exists()
    assert "You may look at suggestions but not approve" in client.get(DASHBOARD).content.decode()


def test_pricing_viewers_see_suggestions_but_have_no_decisions(client, approved):
    staff(client, "ai_commerce_pricing.view_pricesuggestion")
    url = "/admin/ai_commerce_pricing/pricesuggestion/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action at all: deciding needs the change permission
    client.post(url, {"action": "apply", "_selected_action": [approved.pk]})
    assert client.get("/ai/api/pricing/suggestions/").status_code == 200
    for decision in ("approve", "reject", "apply", "rollback"):
        assert client.post(f"/ai/api/pricing/suggestions/{approved.pk}/{decision}/").status_code == 403
    approved.refresh_from_db()
    assert approved.status == "approved" and not PriceChange.objects.exists()


def test_pricing_deciders_can_apply(client, approved):
    staff(client, "ai_commerce_pricing.view_pricesuggestion", "ai_commerce_pricing.change_pricesuggestion")
    response = client.post(f"/ai/api/pricing/suggestions/{approved.pk}/apply/")
    assert response.status_code == 200 and response.json()["status"] == "applied"
    assert json.loads(response.content)["changes"][0]["new_price"] == "18.00"
