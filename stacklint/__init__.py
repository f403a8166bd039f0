"""stacklint: merge, validate, fix and gate Docker Swarm stack files."""

__version__ = "0.1.0"
