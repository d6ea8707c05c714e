"""The fleet fixtures (fleet_fixtures.py, fleet_postgres.py): every fleet test runs
against SQLite and against a real PostgreSQL."""

from fleet_fixtures import demo_image, store_url  # noqa: F401 - fixtures
from fleet_postgres import postgres  # noqa: F401 - fixture
