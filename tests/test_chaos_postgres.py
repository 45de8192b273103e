"""The chaos run of tests/test_chaos.py on PostgreSQL: two processes behind one sandbox for the
first half of the kills. In a file of its own so that another worker runs it beside the SQLite
run (tests run a file to a worker)."""

from pathlib import Path

import pytest
from backends import POSTGRES_URL, POSTGRES_URL_ENV
from test_chaos import chaos_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason=f"needs PostgreSQL ({POSTGRES_URL_ENV})"),
]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_sigkill_ten_times_under_load_carries_out_each_acknowledged_request_once(
    database_url: str, tmp_path: Path
) -> None:
    chaos_run(database_url, tmp_path)
