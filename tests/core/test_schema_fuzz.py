"""A bounded schemathesis run over every operation of the OpenAPI schema, through the WSGI app.

Each operation gets ``EXAMPLES`` generated requests that fit the schema, ``EXAMPLES`` that do not, and, where its
path names an object, ``EXAMPLES`` that fit with the path naming a real one (deletions last); once as an anonymous
visitor and once as a superuser (HTTP Basic, so that no CSRF token is needed). Every answer must be
documented: no server error, a documented status code and content type, and a body that matches the documented
schema. Hypothesis is derandomized, so a run is the same on any machine and any date; the figures of each run
(requests, operations, status codes, 5xx, violations) are written to ``artifacts/schema_fuzz-<actor>.json``.
"""

import base64
import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ai_commerce.pricing.models import PricingPolicy
from ai_commerce.recommendations.models import Experiment, ExperimentArm
from tests.factories import UserFactory, price_suggestion
from tests.recommendations.test_serving import served_catalog

pytestmark = pytest.mark.django_db

EXAMPLES = 20  # per operation and way of generating
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PASSWORD = "fuzz-secret"


def _basic(user, password=b""):
    return "Basic " + base64.b64encode(user + b":" + password).decode()


NO_AUTHORIZATION = st.none()
#: Generated credentials of the "forged" caller: Basic with any bytes (a NUL, bad UTF-8, no colon), Bearer, garbage.
AUTHORIZATION = st.one_of(
    st.builds(_basic, st.binary(max_size=24), st.binary(max_size=24)),
    st.binary(max_size=32).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40).map(lambda token: "Bearer " + token),
    # Garbage: any Latin-1 text that an HTTP client can send (no control characters, no leading white space).
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_categories=("Cc", "Zs")), max_size=40),
)


@pytest.fixture
def wsgi_app(settings):
    """Django's own WSGI handler, answering to schemathesis's ``localhost``. As Django's test client does, a request
    does not close the database connection, which would end the test's transaction."""
    settings.ALLOWED_HOSTS = ["localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    """A few rows of everything, so that some generated ids name real objects."""
    mugs, version, _ = served_catalog(4)
    policy = PricingPolicy.objects.create(name="Everything")
    suggestion = price_suggestion(mugs[0], policy)
    experiment = Experiment.objects.create(name="fuzz", placements=["trending"])
    ExperimentArm.objects.create(experiment=experiment, name="control", version=version, weight=50, is_control=True)
    ExperimentArm.objects.create(experiment=experiment, name="popularity", version=None, weight=50)
    return {"/api/pricing/policies/": {"id": policy.pk}, "/api/pricing/suggestions/": {"id": suggestion.pk},
            "/api/recommendations/experiments/": {"id": experiment.pk},
            "/api/products/": {"product_id": str(mugs[0].pk)}}


def real_object(operation, world):
    """Path parameters naming a real object for ``operation``, or None when its path names none."""
    return next((ids for prefix, ids in world.items() if "{" in operation.path and operation.path.startswith(prefix)),
                None)


def credentials(actor):
    if actor != "superuser":  # the forged caller sends generated credentials
        return {}
    user = UserFactory(is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def fuzz(operation, mode, headers, figures, path_parameters=None, authorization=NO_AUTHORIZATION):
    """Send ``EXAMPLES`` generated requests to ``operation``, with ``authorization`` headers drawn from that strategy
    (none by default); count them and collect the failed checks."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters),
           forged=authorization)
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, forged):
        sent = headers if forged is None else {**headers, "Authorization": forged}
        response = case.call(headers=sent)
        figures["requests"] += 1
        figures["status_codes"][str(response.status_code)] += 1
        if response.status_code >= 500:
            figures["server_errors"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                figures["violations"].append(f"{operation.label} [{mode}]: {failure.title} "
                                             f"({response.status_code}) <- {case.as_curl_command(headers=sent)}")

    try:
        run()
    except Unsatisfiable:  # nothing to get wrong: no parameters, no body
        figures["no_negative_cases"].append(operation.label)


@pytest.mark.parametrize("actor", ["anonymous", "superuser", "forged"])
def test_every_operation_answers_as_documented(actor, wsgi_app, world):
    schema = schemathesis.openapi.from_wsgi("/ai/api/schema/?format=json", wsgi_app)
    # Each caller sends its own credentials (none, the superuser's, or AUTHORIZATION's), not schemathesis's, which
    # would replace the superuser's.
    schema.config.generation.update(with_security_parameters=False)
    headers = credentials(actor)
    authorization = AUTHORIZATION if actor == "forged" else NO_AUTHORIZATION
    figures = {"actor": actor, "requests": 0, "operations": [], "status_codes": Counter(), "server_errors": 0,
               "violations": [], "no_negative_cases": []}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        figures["operations"].append(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, headers, figures, authorization=authorization)
    for operation in sorted(operations, key=lambda op: op.method.upper() == "DELETE"):
        if real_object(operation, world):
            fuzz(operation, GenerationMode.POSITIVE, headers, figures, real_object(operation, world), authorization)
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {**figures, "operations": len(figures["operations"]), "violation_count": len(figures["violations"]),
               "status_codes": dict(sorted(figures["status_codes"].items()))}
    (ARTIFACTS / f"schema_fuzz-{actor}.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "violations"}))
    assert summary["operations"] == sum(len(item) for item in schema.raw_schema["paths"].values()) >= 28
    assert figures["server_errors"] == 0 and not figures["violations"], "\n".join(figures["violations"][:40])
