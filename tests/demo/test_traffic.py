"""Back-to-back product pages on a real threaded server of the demo shop (``make demo``'s settings, on a SQLite file
and, in CI, PostgreSQL): no request answers 500, while every page stores its view and impressions after the response
(a write that finds SQLite locked is tried again; tests/oscar/test_traffic.py has the shop whose own requests write
in a transaction too)."""

import pytest

from tests import services
from tests.conftest import need_service
from tests.live_server import DEMO_SEED, back_to_back


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_back_to_back_product_pages_answer_no_500(backend, tmp_path):
    if backend == "postgresql" and not services.DATABASE_URL:
        need_service("PostgreSQL (AI_COMMERCE_TEST_DATABASE_URL) for the threaded-server test")
    answers, page = back_to_back("tests.live_demo_settings", seed=DEMO_SEED, backend=backend, folder=tmp_path)
    assert "ai-placement ai-similar" in page, page[-2000:]  # the page carries the AI, and its writes
    for traffic, statuses in answers.items():
        assert set(statuses) == {200}, (traffic, statuses, (tmp_path / "server.log").read_text()[-4000:])
