"""Back-to-back product pages on a real threaded server of the Oscar shop, with the README's product page template
and every request in a transaction (ATOMIC_REQUESTS), on SQLite and, in CI, PostgreSQL: no request answers 500.

Before ai_commerce's SQLite options (check ai_commerce.W007) and its retried writes, one shopper got 20 answers of
500 in 78 and four shoppers at once 57 in 104, all "database is locked"."""

import pytest

from tests import services
from tests.conftest import need_service
from tests.live_server import OSCAR_SEED, back_to_back


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_back_to_back_product_pages_answer_no_500(backend, tmp_path):
    if backend == "postgresql" and not services.DATABASE_URL:
        need_service("PostgreSQL (AI_COMMERCE_TEST_DATABASE_URL) for the threaded-server test")
    answers, page = back_to_back("tests.live_oscar_settings", seed=OSCAR_SEED, backend=backend, folder=tmp_path)
    assert "ai-placement ai-similar" in page, page[-2000:]  # the page carries the AI, and its writes
    for traffic, statuses in answers.items():
        assert set(statuses) == {200}, (traffic, statuses, (tmp_path / "server.log").read_text()[-4000:])
