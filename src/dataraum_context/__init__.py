"""dataraum-context: reviewed, queryable metadata context for raw tables."""

__version__ = "0.1.0"
