"""Kept for code that imports it: the schema's value formats are read in `gotypes`."""
from __future__ import annotations

from stacklint.gotypes import is_byte_size, is_duration, is_port_spec, port_spec_problem

__all__ = ["is_byte_size", "is_duration", "is_port_spec", "port_spec_problem"]
