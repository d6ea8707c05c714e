"""The feed-mirror fixtures (defined in feed_mirror.py, which tests also import by name)."""

from feed_mirror import built, mirror  # noqa: F401 - fixtures
