"""Staff tune a capability in the admin, checked like the settings file, and the next run uses it."""

import pytest

from ai_commerce.models import Tuning
from ai_commerce.sentiment import scoring
from ai_commerce.sentiment.models import ReviewSentiment
from ai_commerce.tuning import tuned
from tests.factories import FeedbackFactory, ItemFactory

pytestmark = pytest.mark.django_db
ADD = "/admin/ai_commerce/tuning/add/"


def post(admin_client, kind, values):
    return admin_client.post(ADD, {"kind": kind, "values": values})


@pytest.mark.parametrize(("kind", "values", "expected"), [
    ("sentiment", '{"ASPECTS": {"fit": "snug"}}', "must map to a non-empty list of keywords"),
    ("sentiment", '{"ABUSIVE_WORDS": "scam"}', "must be a list of non-empty strings"),
    ("sentiment", '{"MIN_REVIEWS": 3}', "is too small"),
    ("sentiment", '{"HOST_STATUS": {}}', "cannot be tuned here"),
    ("pricing", '{"PERIOD_PRICE": "median"}', "is not a period price rule"),
    ("recommendations", '{"PARAMS": {"epochz": 3}}', "unknown hyperparameters ['epochz']"),
    ("recommendations", '{"TOP_K": 0}', "is out of range"),
    ("recommendations", "[1, 2]", "Give a JSON object"),
    ("recommendations", "{not json", "Enter a valid JSON"),
])
def test_bad_tuning_is_a_field_error_and_nothing_is_saved(admin_client, kind, values, expected):
    response = post(admin_client, kind, values)
    assert response.status_code == 200 and not Tuning.objects.exists()
    errors = " ".join(response.context["adminform"].form.errors["values"])
    assert expected in errors


def test_the_next_scoring_run_uses_the_tuned_words(admin_client):
    item = ItemFactory()
    FeedbackFactory(item=item, stars=4, comment="Nice mug, but the lid is blorpy.", headline="")
    scoring.score_reviews()
    assert "abusive" not in ReviewSentiment.objects.get().flags
    response = post(admin_client, "sentiment", '{"ABUSIVE_WORDS": ["blorpy"], "ASPECTS": {"lid": ["lid"]}}')
    assert response.status_code == 302, response.context["adminform"].form.errors
    tuning = Tuning.objects.get()
    assert tuning.updated_by.username == "admin"
    assert tuned("SENTIMENT")["ABUSIVE_WORDS"] == ["blorpy"] and tuned("SENTIMENT")["MIN_REVIEWS"] == 200
    scoring.score_reviews()
    scored = ReviewSentiment.objects.get()
    assert "abusive" in scored.flags and "lid" in scored.aspects
    page = admin_client.get(f"/admin/ai_commerce/tuning/{tuning.pk}/change/").content.decode()
    assert "blorpy" in page and "MIN_REVIEWS" in page  # what the next run uses, settings and tuning merged


def test_the_next_training_run_uses_tuned_hyperparameters(admin_client, settings):
    assert post(admin_client, "recommendations", '{"PARAMS": {"tt_epochs": 2}, "TOP_K": 7}').status_code == 302
    conf = tuned("RECOMMENDATIONS")
    assert conf["PARAMS"] == {"tt_epochs": 2} and conf["TOP_K"] == 7 and conf["CHUNK_SIZE"] == 1000
