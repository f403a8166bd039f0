"""Kept for code that imports it: Go durations and byte sizes are read in `gotypes`."""
from __future__ import annotations

from stacklint.gotypes import byte_size as parse_bytes
from stacklint.gotypes import duration_seconds as parse_duration
from stacklint.gotypes import format_seconds as format_duration
from stacklint.gotypes import number as parse_number

__all__ = ["format_duration", "parse_bytes", "parse_duration", "parse_number"]
