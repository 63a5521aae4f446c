"""Back-to-back product pages on a real threaded server of the demo shop (``make demo``'s settings, on a SQLite file
and, in CI, PostgreSQL): no request answers 500, while every page stores its view and impressions after the response
(a write that finds SQLite locked is tried again; tests/oscar/test_traffic.py has the shop whose own requests write
in a transaction too)."""

import pytest

from tests.live_server import assert_no_500


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_back_to_back_product_pages_answer_no_500(backend, tmp_path):
    assert_no_500("demo", backend, tmp_path)
