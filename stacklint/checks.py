"""The rule author's API under the name `docs/rules.md` documents.

A user rule's Python check imports its context and Docker's defaults from here;
the code lives in `stacklint.lint.checks`, beside the built-in checks.
"""
from __future__ import annotations

from stacklint.gotypes import duration_seconds as parse_duration
from stacklint.gotypes import format_seconds as format_duration
from stacklint.gotypes import number as parse_number
from stacklint.lint.checks import (DEFAULT_INTERVAL, DEFAULT_MONITOR, DEFAULT_PARALLELISM, DEFAULT_RETRIES,
                                   GLOBAL_MODES, JOB_MODES, UPDATE_BLOCKS, Check, RuleContext, as_written,
                                   duration, duration_text, get, healthcheck_test, host_port_list,
                                   host_ports, is_global, monitor, number, order, parallelism,
                                   replicas, rolls_out, setting_text, update_setting, written)
from stacklint.model import Hit

__all__ = ["DEFAULT_INTERVAL", "DEFAULT_MONITOR", "DEFAULT_PARALLELISM", "DEFAULT_RETRIES", "GLOBAL_MODES",
           "JOB_MODES", "UPDATE_BLOCKS", "Check", "Hit", "RuleContext", "as_written", "duration", "duration_text",
           "format_duration", "get", "healthcheck_test", "host_port_list", "host_ports", "is_global", "monitor",
           "number", "order", "parallelism", "parse_duration", "parse_number", "replicas", "rolls_out",
           "setting_text", "update_setting", "written"]
