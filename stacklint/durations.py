"""Go duration (`time.ParseDuration`) and Docker byte-size (`units.RAMInBytes`) parsing."""
from __future__ import annotations

import re
from functools import lru_cache

_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
            "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
# units.RAMInBytes: binary multiples, case-insensitive, optional "b"/"ib" suffix
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$", re.IGNORECASE)
_SIZE_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_duration(value: object) -> float | None:
    """Seconds in a Go duration (`1m30s`, `500ms`, `0`), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):       # a bare number is nanoseconds in Go
        return float(value) / 1e9
    if not isinstance(value, str):
        return None
    return _parse_duration_text(value)


@lru_cache(maxsize=4096)   # a stack repeats a few durations (`30s`) in every service
def _parse_duration_text(value: str) -> float | None:
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == "0":
        return 0.0
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_NS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        return None
    return sign * total / 1e9


def format_duration(seconds: float) -> str:
    """Seconds as Go prints a duration: `1m30s`, `500ms`, `0s`."""
    if seconds == 0:
        return "0s"
    if abs(seconds) < 1:
        return f"{seconds * 1000:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:g}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def parse_bytes(value: object) -> int | None:
    """Bytes in a Docker memory size (`75M`, `1.5g`, `"78643200"`), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if not isinstance(value, str):
        return None
    match = _SIZE.match(value.strip())
    if not match:
        return None
    return int(float(match.group(1)) * _SIZE_MULT[match.group(2).lower()])


def parse_number(value: object) -> float | None:
    """A number from an int, float or numeric string (`cpus: "0.50"`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None
