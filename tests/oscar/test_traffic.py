"""Back-to-back product pages on a real threaded server of the Oscar shop, with the README's product page template
and every request in a transaction (ATOMIC_REQUESTS), on SQLite and, in CI, PostgreSQL: no request answers 500.

Before ai_commerce's SQLite options (check ai_commerce.W007) and its retried writes, one shopper got 20 answers of
500 in 78 and four shoppers at once 57 in 104, all "database is locked"."""

import pytest

from tests.live_server import assert_no_500


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_back_to_back_product_pages_answer_no_500(backend, tmp_path):
    assert_no_500("oscar", backend, tmp_path)
