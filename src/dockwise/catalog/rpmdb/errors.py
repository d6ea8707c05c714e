"""The one error the database readers report (as data, never raised past the reader)."""


class DatabaseError(Exception):
    """A part of an rpm database could not be read; the message says which and why."""
