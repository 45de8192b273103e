"""Which database backends this test run covers.

A plain module (not a conftest) so that test files can import it by name: pytest loads every
`conftest.py` under the same module name, and which one `import conftest` finds depends on the
collection order.
"""

import os

POSTGRES_URL_ENV = "WARROOM_TEST_POSTGRES_URL"
POSTGRES_URL = os.environ.get(POSTGRES_URL_ENV, "").strip()
DATABASE_BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
