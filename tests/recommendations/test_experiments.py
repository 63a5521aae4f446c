"""A/B experiments of recommendation versions: sticky assignment, serving the arm's version, credit on the template
and API paths, the fixed-horizon verdict, the admin and the API."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.recommendations import experiments, serving
from ai_commerce.recommendations.models import Experiment, ExperimentArm, PlacementEvent
from ai_commerce.recommendations.verdict import _compare, results, summarize
from tests.factories import UserFactory
from tests.recommendations.test_serving import catalog, trending_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions():
    mugs = catalog(8, "Mugs")
    old = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.2})
    new = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.3})
    from ai_commerce import registry

    registry.activate(old)
    trending_rows(old, mugs[:4])
    trending_rows(new, mugs[4:])
    return {"mugs": mugs, "old": old, "new": new}


def experiment(old, new, *, split=(50, 50), placements=None, **fields):
    e = Experiment.objects.create(name=fields.pop("name", "new model"), placements=placements or [], **fields)
    ExperimentArm.objects.create(experiment=e, name="control", version=old, weight=split[0], is_control=True)
    ExperimentArm.objects.create(experiment=e, name="challenger", version=new, weight=split[1])
    return e


def test_assignment_is_sticky_and_within_two_percent_of_the_split(two_versions, django_assert_num_queries):
    e = experiment(two_versions["old"], two_versions["new"], split=(30, 70))
    experiments.start(e)
    control, challenger = e.arms.all()
    experiments.assign("trending", "s:warm")
    with django_assert_num_queries(0):  # the running experiments are cached: assignment is arithmetic
        counts = Counter(experiments.assign("trending", f"s:{n}")[1] for n in range(10_000))
        assert all(experiments.assign("similar", f"u:{n}") == experiments.assign("similar", f"u:{n}")
                   for n in range(1000))  # sticky
    assert abs(counts[control.pk] / 10_000 - 0.30) <= 0.02 and abs(counts[challenger.pk] / 10_000 - 0.70) <= 0.02
    assert experiments.assign("trending", None) is None  # nobody to keep in an arm


def test_serving_reads_the_arm_and_costs_no_query_when_warm(two_versions, django_assert_num_queries):
    e = experiment(two_versions["old"], two_versions["new"], placements=["trending"])
    experiments.start(e)
    seen = {}
    for n in range(40):
        items = serving.trending(k=4, session_key=f"visitor-{n}")
        seen.setdefault(items[0].arm, set()).add(items[0].model_version)
        again = serving.trending(k=4, session_key=f"visitor-{n}")
        assert [i.product.pk for i in again] == [i.product.pk for i in items]  # sticky
    arms = {a.pk: a.version_id for a in e.arms.all()}
    assert set(seen) == set(arms) and all(seen[arm] == {arms[arm]} for arm in arms)  # each arm serves its version
    assert items[0].attribution == f"trending:{items[0].model_version}:{items[0].arm}"
    with django_assert_num_queries(0):
        serving.trending(k=4, session_key="visitor-3")
    # A placement the experiment does not cover, and a visitor nobody knows, see the active version.
    mugs = two_versions["mugs"]
    assert serving.similar_to(mugs[0], k=2, session_key="visitor-1")[0].arm == 0
    assert serving.trending(k=4)[0].arm == 0 and serving.trending(k=4)[0].model_version == two_versions["old"].pk
    experiments.stop(e)
    assert serving.trending(k=4, session_key="visitor-1")[0].arm == 0  # stopped: back to the active version


def test_a_popularity_arm_and_bad_experiments_are_field_errors(two_versions):
    old, new = two_versions["old"], two_versions["new"]
    bad = Experiment(name="x")
    pricing = ModelVersion.objects.create(kind="pricing", metrics={"demand_skill": 0.1})
    cases = [
        ([ExperimentArm(name="a", version=old, weight=50, is_control=True),
          ExperimentArm(name="b", version=new, weight=40)], "add up to 100%"),
        ([ExperimentArm(name="a", version=old, weight=50, is_control=True),
          ExperimentArm(name="b", version=pricing, weight=50)], "is a pricing version"),
        ([ExperimentArm(name="a", version=old, weight=50),
          ExperimentArm(name="b", version=new, weight=50)], "exactly one arm is the control"),
        ([ExperimentArm(name="a", version=old, weight=100, is_control=True)], "at least two arms"),
        ([ExperimentArm(name="a", version=old, weight=50, is_control=True),
          ExperimentArm(name="b", version=ModelVersion.objects.create(kind="recommendations", metrics={"x": 1}),
                        weight=50)], "has no serving rows"),
    ]
    for arms, message in cases:
        assert message in experiments.problems(bad, arms)["arms"]
    popularity = [ExperimentArm(name="model", version=new, weight=50, is_control=True),
                  ExperimentArm(name="popularity", version=None, weight=50)]
    assert experiments.problems(bad, popularity) == {}
    assert "placements" in experiments.problems(Experiment(name="y", placements=["sidebar"]), popularity)


def test_impressions_and_clicks_are_credited_to_the_arm_on_the_template_and_api_paths(two_versions, client):
    e = experiment(two_versions["old"], two_versions["new"])
    experiments.start(e)
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user, request.session = user, None
    html = Template("{% load ai_recommendations %}{% trending_products k=2 %}").render(Context({"request": request}))
    arm = experiments.assign("trending", f"u:{user.pk}")[1]
    assert f":{arm}" in html
    from ai_commerce import deferred

    deferred.flush()
    assert set(PlacementEvent.objects.values_list("arm", "kind")) == {(arm, "impression")}
    client.force_login(user)
    body = client.get("/ai/api/trending/?k=3").json()
    assert body["arm"] == arm and all(item["attribution"].endswith(f":{arm}") for item in body["results"])
    assert PlacementEvent.objects.filter(arm=arm, kind="impression").count() == 2 + 3  # the API logs its list too
    first = body["results"][0]
    assert f"a={first['attribution'].replace(':', '%3A')}&p={first['product']}" in first["click_url"]
    response = client.get(first["click_url"])  # signed for this user
    assert response.status_code == 302
    assert PlacementEvent.objects.get(kind="click").arm == arm


def test_the_verdict_waits_for_the_planned_sample_then_calls_the_winner(two_versions):
    e = experiment(two_versions["old"], two_versions["new"], base_rate=0.05, min_effect_pct=20)
    assert e.planned_per_arm == experiments.planned_sample(0.05, 20, 0.05, 0.95) > 1000
    arms = list(e.arms.all())
    n = e.planned_per_arm
    early = summarize(e, arms, {arms[0].pk: {"impressions": n // 2, "clicks": n // 40},
                                arms[1].pk: {"impressions": n // 2, "clicks": n // 10}}, {})
    assert early["verdict"]["status"] == "too_early"  # a huge early lead is not called
    assert "Fixed horizon" in early["horizon"]
    done = summarize(e, arms, {arms[0].pk: {"impressions": n, "clicks": int(n * 0.05)},
                               arms[1].pk: {"impressions": n, "clicks": int(n * 0.065)}}, {})
    assert done["verdict"]["status"] == "winner" and done["verdict"]["winner"] == arms[1]
    row = done["arms"][1]
    assert row["low"] < row["diff"] < row["high"] and row["low"] > 0 and row["p"] < 0.05
    even = summarize(e, arms, {arms[0].pk: {"impressions": n, "clicks": int(n * 0.05)},
                               arms[1].pk: {"impressions": n, "clicks": int(n * 0.051)}}, {})
    assert even["verdict"]["status"] == "no_difference"
    worse = summarize(e, arms, {arms[0].pk: {"impressions": n, "clicks": int(n * 0.065)},
                                arms[1].pk: {"impressions": n, "clicks": int(n * 0.05)}}, {})
    assert worse["verdict"]["status"] == "control_better" and worse["verdict"]["winner"] is None


def test_the_statistics_match_scipy():
    from scipy import stats

    arm, control = {"n": 4000, "successes": 260}, {"n": 4000, "successes": 200}
    diff, low, _high, p = _compare("ctr", arm, control, 0.05)
    p1, p0 = 260 / 4000, 200 / 4000
    se = (p1 * (1 - p1) / 4000 + p0 * (1 - p0) / 4000) ** 0.5
    assert p == pytest.approx(2 * stats.norm.sf(diff / se)) and low == pytest.approx(diff - stats.norm.ppf(0.975) * se)
    revenue = [0.0] * 900 + [20.0 + i % 7 for i in range(100)]
    other = [0.0] * 920 + [18.0 + i % 5 for i in range(80)]
    a = {"visitors": 1000, "revenue": sum(revenue), "revenue_sq": sum(v * v for v in revenue)}
    b = {"visitors": 1000, "revenue": sum(other), "revenue_sq": sum(v * v for v in other)}
    _, _, _, p = _compare("revenue", a, b, 0.05)
    assert p == pytest.approx(stats.ttest_ind(revenue, other, equal_var=False).pvalue, abs=2e-3)


def test_results_count_visitors_clicks_conversions_and_revenue(two_versions):
    e = experiment(two_versions["old"], two_versions["new"], metric="revenue")
    control, challenger = e.arms.all()
    mug = two_versions["mugs"][0]
    buyer, browser = UserFactory(), UserFactory()
    for user in (buyer, browser):
        PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=mug, user=user,
                                      kind="impression")
    PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=mug, user=buyer,
                                  kind="click")
    PlacementEvent.objects.create(placement="trending", version=1, arm=control.pk, product=mug, session_key="s9",
                                  kind="impression")
    Interaction.objects.create(user=buyer, product=mug, kind="purchase", quantity=2, unit_price=Decimal("9.50"),
                               source="order", occurred_at=timezone.now() + timedelta(hours=1))
    Interaction.objects.create(user=browser, product=mug, kind="purchase", quantity=1, unit_price=Decimal("9.50"),
                               source="order", occurred_at=timezone.now() + timedelta(days=30))  # too late
    found = {row["arm"]: row for row in results(e)["arms"]}
    assert (found[challenger]["visitors"], found[challenger]["impressions"], found[challenger]["clicks"]) == (2, 2, 1)
    assert found[challenger]["conversions"] == 1 and found[challenger]["revenue"] == 19.0
    assert found[challenger]["rate"] == 9.5 and found[control]["visitors"] == 1


def test_concluding_activates_the_winner(two_versions):
    e = experiment(two_versions["old"], two_versions["new"])
    experiments.start(e)
    with pytest.raises(experiments.ExperimentRefused, match="only a draft can start"):
        experiments.start(e)
    other = experiment(two_versions["old"], two_versions["new"], name="clash")
    with pytest.raises(experiments.ExperimentRefused, match="already covers"):
        experiments.start(other)
    winner = e.arms.get(name="challenger")
    experiments.conclude(e, winner)
    e.refresh_from_db()
    assert e.status == "concluded" and e.winner == winner and e.stops_at is not None
    assert ModelVersion.objects.of_kind("recommendations").active().get() == two_versions["new"]
    assert serving.active_version_id() == two_versions["new"].pk


def test_the_api_is_for_staff_checks_the_split_and_runs_the_steps(two_versions, client, admin_client):
    url = "/ai/api/recommendations/experiments/"
    old = two_versions["old"]
    body = {"name": "api", "metric": "ctr", "base_rate": 0.03, "min_effect_pct": 25,
            "arms": [{"name": "control", "version": old.pk, "weight": 60, "is_control": True},
                     {"name": "popularity", "version": None, "weight": 30}]}
    assert client.get(url).status_code == 403
    bad = admin_client.post(url, body, content_type="application/json")
    assert bad.status_code == 400 and "add up to 100%" in str(bad.json()["arms"])
    body["arms"][1]["weight"] = 40
    made = admin_client.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["planned_per_arm"] == experiments.planned_sample(0.03, 25, 0.05, 0.95)
    assert admin_client.post(f"{url}{pk}/start/").json()["status"] == "running"
    assert admin_client.post(f"{url}{pk}/start/").status_code == 409
    changed = admin_client.patch(f"{url}{pk}/", {"name": "renamed"}, content_type="application/json")
    assert changed.status_code == 400 and "status" in changed.json()
    verdict = admin_client.get(f"{url}{pk}/results/").json()
    assert verdict["verdict"]["status"] == "too_early" and len(verdict["arms"]) == 2
    assert admin_client.post(f"{url}{pk}/conclude/", {"winner": 10**6},
                             content_type="application/json").status_code == 400
    assert admin_client.post(f"{url}{pk}/conclude/", {"winner": None},
                             content_type="application/json").json()["status"] == "concluded"
    schema = admin_client.get("/ai/api/schema/").content.decode()
    assert "/api/recommendations/experiments/{id}/results/:" in schema and "Conclude" in schema and "Verdict" in schema


def test_a_planned_sample_too_large_to_store_is_a_problem_for_the_admin_and_the_api_alike():
    tiny = Experiment(name="tiny", base_rate=1e-6, min_effect_pct=0.1)
    arms = [ExperimentArm(name="control", weight=50, is_control=True), ExperimentArm(name="b", weight=50)]
    assert "more than 2,147,483,647" in experiments.problems(tiny, arms)["min_effect_pct"]
    assert "min_effect_pct" not in experiments.problems(Experiment(name="fine", base_rate=0.02), arms)
