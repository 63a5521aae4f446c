# ruff: noqa: E501  (the table is wider than a line, and reads best as one row per endpoint)
"""Who may do what: every endpoint of ai_commerce's URLconf and every ai_commerce admin page, for each kind of caller.

``TABLE`` is the contract: one row per endpoint (method and path) or admin page, the permission it needs, and the
answer each caller gets. Each cell is a real request through the whole stack (middleware, authentication, view).
The callers:

- ``anonymous``: nobody logged in; ``customer``: a logged-in shopper (not staff);
- ``staff``: ``is_staff`` with no permission; ``staff+perm``: staff holding the row's permission and nothing else;
- ``staff+others``: staff holding every ai_commerce permission but the row's;
- ``superuser``.

A cell is the status code; ``login`` is the admin's redirect to its login page. The same table prints as markdown
(``markdown()``), for docs/security.md::

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -c \\
        "import django; django.setup(); from tests.core.test_permissions_table import markdown; print(markdown())"

Reading it: the shopper-facing API is public, and ``?user=`` (another user's recommendations, whose reasons say
what they bought) needs ``view_recommendation``; buy it again has no ``?user=`` at all: each caller gets their own
list (an anonymous caller an empty one). The staff API needs the model's permission exactly (view to read;
add, change, delete to write; change for every decision). The admin lets ``change`` stand in for ``view``, as Django
does (on the read-only admins of the rows ai_commerce writes too), but the dashboard wants ``view_modelversion``.
"""

import json

import pytest

ACTORS = ("anonymous", "customer", "staff", "staff+perm", "staff+others", "superuser")
LOGIN = "login"
REC, PRICE, CORE = "ai_commerce_recommendations", "ai_commerce_pricing", "ai_commerce"
FC, SE, AS = "ai_commerce_forecast", "ai_commerce_search", "ai_commerce_assistant"
ME = "ai_commerce_merchandising"
AI_APPS = (CORE, REC, PRICE, "ai_commerce_sentiment", FC, SE, AS, ME)
ADMIN = "/admin/"

# A path names the world's objects in braces: {product}, {version}, {shopper}, {policy}, {pending} (a pending
# suggestion), {approved}, {applied}, {draft} (an experiment), {running}, {rule} (a merchandising rule), {forecast} (a product's forecast in the
# serving forecast version), {reorder} (an open reorder suggestion), {ipolicy} (an inventory policy), {faq} (an FAQ
# entry), {conversation} (a handed-over conversation of a shopper who is none of the callers) and {answer} (the
# assistant's message in it: nobody else may read it, rate it or hand it over).
TABLE = [
    # method   path                                                         permission needed                  anon   cust   staff  perm   others super
    # The shopper-facing API (public).
    ("POST",   "/ai/api/events/",                                           None,                              201,   201,   201,   201,   201,   201),
    ("GET",    "/ai/api/recommendations/",                                  None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/recommendations/?user={shopper}",                   f"{REC}.view_recommendation",      403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/recommendations/buy-again/",                        None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/products/{product}/similar/",                       None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/products/{product}/bought-together/",               None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/trending/",                                         None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/products/{product}/sentiment/",                     None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/products/{product}/reviews/",                       None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/reviews/policy/",                                       None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/r/?a=trending:{version}&p={product}&next=/shop/",       None,                              302,   302,   302,   302,   302,   302),
    ("GET",    "/ai/api/search/?q=mug",                                     None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/search/suggest/?q=mu",                              None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/s/?t=x&p={product}&n=1&next=/shop/",                    None,                              302,   302,   302,   302,   302,   302),
    ("GET",    "/ai/api/schema/",                                           None,                              200,   200,   200,   200,   200,   200),
    # The assistant's shopper API: public, and each caller sees only its own conversations.
    ("POST",   "/ai/api/assistant/",                                        None,                              200,   200,   200,   200,   200,   200),
    ("GET",    "/ai/api/assistant/conversations/{conversation}/",           None,                              404,   404,   404,   404,   404,   404),
    ("POST",   "/ai/api/assistant/feedback/",                               None,                              400,   400,   400,   400,   400,   400),
    ("POST",   "/ai/api/assistant/human/",                                  None,                              400,   400,   400,   400,   400,   400),
    ("GET",    "/ai/assistant/ask/",                                        None,                              405,   405,   405,   405,   405,   405),
    ("POST",   "/ai/assistant/ask/",                                        None,                              400,   400,   400,   400,   400,   400),
    ("GET",    "/ai/api/no-such-endpoint/",                                 None,                              404,   404,   404,   404,   404,   404),
    # The staff API: pricing.
    ("GET",    "/ai/api/pricing/policies/",                                 f"{PRICE}.view_pricingpolicy",     403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/pricing/policies/",                                 f"{PRICE}.add_pricingpolicy",      403,   403,   403,   201,   403,   201),
    ("GET",    "/ai/api/pricing/policies/{policy}/",                        f"{PRICE}.view_pricingpolicy",     403,   403,   403,   200,   403,   200),
    ("PUT",    "/ai/api/pricing/policies/{policy}/",                        f"{PRICE}.change_pricingpolicy",   403,   403,   403,   200,   403,   200),
    ("PATCH",  "/ai/api/pricing/policies/{policy}/",                        f"{PRICE}.change_pricingpolicy",   403,   403,   403,   200,   403,   200),
    ("DELETE", "/ai/api/pricing/policies/{policy}/",                        f"{PRICE}.delete_pricingpolicy",   403,   403,   403,   204,   403,   204),
    ("GET",    "/ai/api/pricing/suggestions/",                              f"{PRICE}.view_pricesuggestion",   403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/pricing/suggestions/{pending}/",                    f"{PRICE}.view_pricesuggestion",   403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/pricing/suggestions/{pending}/approve/",            f"{PRICE}.change_pricesuggestion", 403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/pricing/suggestions/{pending}/reject/",             f"{PRICE}.change_pricesuggestion", 403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/pricing/suggestions/{approved}/apply/",             f"{PRICE}.change_pricesuggestion", 403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/pricing/suggestions/{applied}/rollback/",           f"{PRICE}.change_pricesuggestion", 403,   403,   403,   200,   403,   200),
    # The staff API: the demand forecast.
    ("GET",    "/ai/api/forecast/products/",                                f"{FC}.view_productforecast",      403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/forecast/products/{forecast}/",                     f"{FC}.view_productforecast",      403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/forecast/reorders/",                                f"{FC}.view_reordersuggestion",    403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/forecast/reorders/{reorder}/",                      f"{FC}.view_reordersuggestion",    403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/forecast/reorders/{reorder}/ordered/",              f"{FC}.change_reordersuggestion",  403,   403,   403,   200,   403,   200),
    # The staff API: experiments.
    ("GET",    "/ai/api/recommendations/experiments/",                      f"{REC}.view_experiment",          403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/recommendations/experiments/",                      f"{REC}.add_experiment",           403,   403,   403,   201,   403,   201),
    ("GET",    "/ai/api/recommendations/experiments/{draft}/",              f"{REC}.view_experiment",          403,   403,   403,   200,   403,   200),
    ("PUT",    "/ai/api/recommendations/experiments/{draft}/",              f"{REC}.change_experiment",        403,   403,   403,   200,   403,   200),
    ("PATCH",  "/ai/api/recommendations/experiments/{draft}/",              f"{REC}.change_experiment",        403,   403,   403,   200,   403,   200),
    ("DELETE", "/ai/api/recommendations/experiments/{draft}/",              f"{REC}.delete_experiment",        403,   403,   403,   204,   403,   204),
    ("POST",   "/ai/api/recommendations/experiments/{draft}/start/",        f"{REC}.change_experiment",        403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/recommendations/experiments/{running}/stop/",       f"{REC}.change_experiment",        403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/recommendations/experiments/{running}/conclude/",   f"{REC}.change_experiment",        403,   403,   403,   200,   403,   200),
    ("GET",    "/ai/api/recommendations/experiments/{running}/results/",    f"{REC}.view_experiment",          403,   403,   403,   200,   403,   200),
    # The staff API: merchandising rules.
    ("GET",    "/ai/api/merchandising/rules/",                              f"{ME}.view_rule",                 403,   403,   403,   200,   403,   200),
    ("POST",   "/ai/api/merchandising/rules/",                              f"{ME}.add_rule",                  403,   403,   403,   201,   403,   201),
    ("GET",    "/ai/api/merchandising/rules/{rule}/",                       f"{ME}.view_rule",                 403,   403,   403,   200,   403,   200),
    ("PUT",    "/ai/api/merchandising/rules/{rule}/",                       f"{ME}.change_rule",               403,   403,   403,   200,   403,   200),
    ("PATCH",  "/ai/api/merchandising/rules/{rule}/",                       f"{ME}.change_rule",               403,   403,   403,   200,   403,   200),
    ("DELETE", "/ai/api/merchandising/rules/{rule}/",                       f"{ME}.delete_rule",               403,   403,   403,   204,   403,   204),
    # The admin: the AI dashboard and the other custom pages.
    ("GET",    "ai_commerce/dashboard/",                                    f"{CORE}.view_modelversion",       LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    "ai_commerce/dashboard/progress/",                           (f"{CORE}.view_modelversion", f"{CORE}.view_trainingrun"),
                                                                                                               LOGIN, LOGIN, 403,   200,   403,   200),
    ("POST",   "ai_commerce/dashboard/retrain/pricing/",                    f"{CORE}.change_modelversion",     LOGIN, LOGIN, 403,   302,   403,   302),
    ("POST",   "ai_commerce/dashboard/rollback/pricing/",                   f"{CORE}.change_modelversion",     LOGIN, LOGIN, 403,   302,   403,   302),
    ("GET",    "ai_commerce/modelversion/compare/?ids={version}",           f"{CORE}.view_modelversion",       LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/experiment/{{running}}/results/",                    f"{REC}.view_experiment",          LOGIN, LOGIN, 403,   200,   200,   200),
    ("POST",   f"{ME}/rule/preview/",                                       f"{ME}.view_rule",                 LOGIN, LOGIN, 403,   200,   200,   200),
    # The admin: changelists, add and change pages (change grants view, as Django has it).
    ("GET",    "ai_commerce/interaction/",                                  f"{CORE}.view_interaction",        LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/erasure/",                                      f"{CORE}.view_erasure",            LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/modelversion/",                                 f"{CORE}.view_modelversion",       LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/modelversion/{version}/change/",                f"{CORE}.view_modelversion",       LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/trainingrun/",                                  f"{CORE}.view_trainingrun",        LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/tuning/",                                       f"{CORE}.view_tuning",             LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce/tuning/add/",                                   f"{CORE}.add_tuning",              LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{REC}/recommendation/",                                    f"{REC}.view_recommendation",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/relatedproduct/",                                    f"{REC}.view_relatedproduct",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/trendingproduct/",                                   f"{REC}.view_trendingproduct",     LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/contentneighbour/",                                  f"{REC}.view_contentneighbour",    LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/placementevent/",                                    f"{REC}.view_placementevent",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/experiment/",                                        f"{REC}.view_experiment",          LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{REC}/experiment/add/",                                    f"{REC}.add_experiment",           LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{REC}/experiment/{{draft}}/change/",                       f"{REC}.change_experiment",        LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/pricingpolicy/",                                   f"{PRICE}.view_pricingpolicy",     LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/pricingpolicy/add/",                               f"{PRICE}.add_pricingpolicy",      LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{PRICE}/pricingpolicy/{{policy}}/change/",                 f"{PRICE}.change_pricingpolicy",   LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/pricesuggestion/",                                 f"{PRICE}.view_pricesuggestion",   LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/pricesuggestion/{{pending}}/change/",              f"{PRICE}.view_pricesuggestion",   LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/pricechange/",                                     f"{PRICE}.view_pricechange",       LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{PRICE}/elasticityestimate/",                              f"{PRICE}.view_elasticityestimate", LOGIN, LOGIN, 403,  200,   200,   200),
    ("GET",    f"{FC}/inventorypolicy/",                                    f"{FC}.view_inventorypolicy",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/inventorypolicy/add/",                                f"{FC}.add_inventorypolicy",       LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{FC}/inventorypolicy/{{ipolicy}}/change/",                 f"{FC}.change_inventorypolicy",    LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/reordersuggestion/",                                  f"{FC}.view_reordersuggestion",    LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/reordersuggestion/{{reorder}}/change/",               f"{FC}.view_reordersuggestion",    LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/productforecast/",                                    f"{FC}.view_productforecast",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/productforecast/{{forecast}}/change/",                f"{FC}.view_productforecast",      LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{FC}/stocksnapshot/",                                      f"{FC}.view_stocksnapshot",        LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{ME}/rule/",                                               f"{ME}.view_rule",                 LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{ME}/rule/add/",                                           f"{ME}.add_rule",                  LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{ME}/rule/{{rule}}/change/",                               f"{ME}.change_rule",               LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{ME}/rulechange/",                                         f"{ME}.view_rulechange",           LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{SE}/synonym/",                                            f"{SE}.view_synonym",              LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{SE}/synonym/add/",                                        f"{SE}.add_synonym",               LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{SE}/searchquery/",                                        f"{SE}.view_searchquery",          LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{SE}/searchquery/preview/",                                f"{SE}.view_searchquery",          LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/faqentry/",                                           f"{AS}.view_faqentry",             LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/faqentry/add/",                                       f"{AS}.add_faqentry",              LOGIN, LOGIN, 403,   200,   403,   200),
    ("GET",    f"{AS}/faqentry/{{faq}}/change/",                            f"{AS}.change_faqentry",           LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/conversation/",                                       f"{AS}.view_conversation",         LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/conversation/{{conversation}}/change/",               f"{AS}.view_conversation",         LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/handover/",                                           f"{AS}.view_handover",             LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/handover/{{conversation}}/change/",                   f"{AS}.change_handover",           LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    f"{AS}/faqgap/",                                             f"{AS}.view_faqgap",               LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce_sentiment/reviewsentiment/",                    "ai_commerce_sentiment.view_reviewsentiment",
                                                                                                               LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce_sentiment/reviewsentiment/suppression/",        "ai_commerce_sentiment.view_reviewsentiment",
                                                                                                               LOGIN, LOGIN, 403,   200,   200,   200),
    ("GET",    "ai_commerce_sentiment/productsentiment/",                   "ai_commerce_sentiment.view_productsentiment",
                                                                                                               LOGIN, LOGIN, 403,   200,   200,   200),
]  # fmt: skip

# Bodies of the requests that need one (JSON).
ARMS = [{"name": "control", "version": "{version}", "weight": 60, "is_control": True},
        {"name": "popularity", "version": None, "weight": 40}]
BODIES = {
    ("POST", "/ai/api/events/"): {"events": [{"kind": "view", "product": "{product}"}]},
    ("POST", "/ai/api/pricing/policies/"): {"name": "Mugs", "category": "Mugs"},
    ("POST", "/ai/api/assistant/"): {"message": "hello"},
    ("POST", "/ai/api/assistant/feedback/"): {"message": "{answer}", "helpful": False},
    ("POST", "/ai/api/assistant/human/"): {"conversation": "{conversation}"},
    ("PUT", "/ai/api/pricing/policies/{policy}/"): {"name": "Everything, renamed"},
    ("PATCH", "/ai/api/pricing/policies/{policy}/"): {"max_change_pct": "5"},
    ("POST", "/ai/api/merchandising/rules/"): {"name": "Pin a mug", "action": "pin", "product": "{product}"},
    ("PUT", "/ai/api/merchandising/rules/{rule}/"): {"name": "Hide out of stock", "action": "hide"},
    ("PATCH", "/ai/api/merchandising/rules/{rule}/"): {"priority": 5},
    ("POST", "/ai/api/recommendations/experiments/"): {"name": "api", "metric": "ctr", "base_rate": 0.03,
                                                       "min_effect_pct": 25, "arms": ARMS},
    ("PUT", "/ai/api/recommendations/experiments/{draft}/"): {"name": "api", "metric": "ctr", "base_rate": 0.05,
                                                              "min_effect_pct": 20, "arms": ARMS},
    ("PATCH", "/ai/api/recommendations/experiments/{draft}/"): {"name": "renamed"},
    ("POST", "/ai/api/recommendations/experiments/{running}/conclude/"): {"winner": None},
}


def is_admin(path):
    return not path.startswith("/")


def permissions_of(row):
    needed = row[2]
    return () if needed is None else (needed,) if isinstance(needed, str) else needed


def markdown():
    """``TABLE`` as a markdown table."""
    lines = ["| endpoint | permission needed | " + " | ".join(ACTORS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in ACTORS) + " |"]
    for row in TABLE:
        method, path = row[0], (ADMIN + row[1] if is_admin(row[1]) else row[1])
        needed = " or ".join(f"`{p}`" for p in permissions_of(row)) or "none (public)"
        lines.append(f"| `{method} {path}` | {needed} | " + " | ".join(str(cell) for cell in row[3:]) + " |")
    return "\n".join(lines)


def fill(value, world):
    """``value`` (a path or a body) with the world's ids in place of its ``{names}``."""
    if isinstance(value, str):
        filled = value.format(**world)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    return value


def assistant_world():
    """An FAQ entry, and a shopper's conversation handed over to staff."""
    from ai_commerce.assistant import conversations
    from ai_commerce.assistant.models import FaqEntry
    from tests.factories import UserFactory

    faq = FaqEntry.objects.create(title="Returns?", answer="Within 30 days.")
    conversation = conversations.start(UserFactory())
    answer = conversations.ask(conversation, "I want to talk to a person")
    return faq, conversation, answer


def forecast_world(product):
    """A serving forecast version with one product's forecast, and an open reorder suggestion for it."""
    import datetime as dt

    from ai_commerce.forecast import inventory
    from ai_commerce.forecast.models import ProductForecast
    from ai_commerce.models import ModelVersion

    version = ModelVersion.objects.create(kind="forecast", metrics={"wrmsse_skill": 0.1, "wrmsse": 0.7},
                                          is_active=True, status=ModelVersion.Status.ACTIVE)
    forecast = ProductForecast.objects.create(model_version=version, product=product, method="ets",
                                              start=dt.date(2026, 3, 1), mean=[2.0] * 28, lo80=[1.0] * 28,
                                              hi80=[3.0] * 28, lo95=[0.0] * 28, hi95=[4.0] * 28)
    inventory.plan(version, 90)
    return forecast, inventory.ReorderSuggestion.objects.get(product=product, status="open")


@pytest.fixture
def world(db):
    """One of each object the table's paths name, in the state its row needs."""
    from ai_commerce.forecast.models import InventoryPolicy
    from ai_commerce.pricing.models import PricingPolicy
    from ai_commerce.recommendations import experiments
    from ai_commerce.recommendations.models import Experiment, ExperimentArm
    from tests.factories import price_suggestion
    from tests.recommendations.test_serving import served_catalog

    mugs, version, shopper = served_catalog(5)  # one stock record each, at 9.50
    policy = PricingPolicy.objects.create(name="Everything")

    def suggestion(product, status, current, suggested):
        return price_suggestion(product, policy, status, current, suggested).pk

    def experiment(name, placement):
        made = Experiment.objects.create(name=name, placements=[placement])
        for arm in ARMS:
            ExperimentArm.objects.create(experiment=made, **{**arm, "version": arm["version"] and version})
        return made

    running = experiment("running", "similar")
    experiments.start(running)
    forecast, reorder = forecast_world(mugs[4])
    faq, conversation, answer = assistant_world()
    from ai_commerce.merchandising.models import Rule

    rule = Rule.objects.create(name="Bury a mug", action="bury", factor=0.5, product=mugs[1])
    return {"rule": rule.pk,"forecast": forecast.pk, "reorder": reorder.pk, "faq": faq.pk, "conversation": conversation.pk,
            "answer": answer.pk,
            "ipolicy": InventoryPolicy.objects.create(name="Everything").pk,
            "product": mugs[0].pk, "version": version.pk, "shopper": shopper.pk, "policy": policy.pk,
            "pending": suggestion(mugs[1], "pending", "9.50", "10.00"),
            "approved": suggestion(mugs[2], "approved", "9.50", "10.00"),
            "applied": suggestion(mugs[3], "applied", "9.00", "9.50"),
            "draft": experiment("draft", "trending").pk, "running": running.pk}


def log_in(client, actor, row):
    """Log ``client`` in as ``actor``, with the permissions that ``row`` gives it."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    if actor == "anonymous":
        return
    user = UserFactory(is_staff=actor != "customer", is_superuser=actor == "superuser")
    needed = [p.split(".") for p in permissions_of(row)]
    if actor == "staff+perm" and needed:
        app_label, codename = needed[0]
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    elif actor == "staff+others":
        others = Permission.objects.filter(content_type__app_label__in=AI_APPS)
        for app_label, codename in needed:
            others = others.exclude(content_type__app_label=app_label, codename=codename)
        user.user_permissions.add(*others)
    client.force_login(user)


def send(client, row, world):
    method, path = row[0], row[1]
    url = fill(ADMIN + path if is_admin(path) else path, world)
    body = BODIES.get((method, path))
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(fill(body, world)), "application/json")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row[0]} {row[1]}")
def test_each_caller_gets_what_the_table_says(client, world, row, actor):
    expected = dict(zip(ACTORS, row[3:], strict=True))[actor]
    log_in(client, actor, row)
    response = send(client, row, world)
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(f"{ADMIN}login/"), response
    else:
        assert response.status_code == expected, getattr(response, "content", b"")[:300]
        if expected == 302 and is_admin(row[1]):
            assert not response["Location"].startswith(f"{ADMIN}login/")


def test_the_table_covers_every_endpoint_and_admin_page(world):
    """Each endpoint and method of ai_commerce's URLconf (the tests' own capability aside), and each ai_commerce
    admin's changelist and custom page, has a row."""
    from django.contrib import admin
    from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

    def endpoints(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from endpoints(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.callback.__module__.startswith("ai_commerce"):
                actions = getattr(entry.callback, "actions", None)
                cls = getattr(entry.callback, "cls", None)
                methods = (actions or {}).keys() if actions else (
                    [m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)] if cls else ["get"])
                yield from ((entry.name, m.upper()) for m in methods if m != "head")  # DRF adds HEAD as GET

    rows = {(resolve(fill(r[1], world).split("?")[0]).url_name, r[0]) for r in TABLE if not is_admin(r[1])}
    assert set(endpoints(get_resolver("ai_commerce.urls").url_patterns)) <= rows

    paths = {ADMIN + fill(r[1], world).split("?")[0] for r in TABLE if is_admin(r[1])}
    pages = {resolve(path).url_name for path in paths}
    standard = ("changelist", "add", "change", "delete", "history", "autocomplete")
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in AI_APPS:
            info = f"{model._meta.app_label}_{model._meta.model_name}"
            assert reverse(f"admin:{info}_changelist") in paths, info
            custom = {p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name}
            assert {n for n in custom if not n.startswith(tuple(f"{info}_{s}" for s in standard))} <= pages, info


def test_the_table_prints_as_markdown():
    text = markdown()
    lines = text.splitlines()
    assert len(lines) == len(TABLE) + 2 and lines[0].count("|") == len(ACTORS) + 3
    assert "| `GET /ai/api/recommendations/?user={shopper}` | `ai_commerce_recommendations.view_recommendation` | " \
           "403 | 403 | 403 | 200 | 403 | 200 |" in text


def test_the_documented_table_is_this_one():
    """docs/security.md shows ``markdown()`` as it prints today: regenerate it (the module's docstring) on a change."""
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "security.md"
    assert markdown() in page.read_text()
