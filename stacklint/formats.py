"""Docker's value formats: Go durations, port specs (`nat.ParsePortSpec`) and byte sizes."""
from __future__ import annotations

import re

# time.ParseDuration: optional sign, then "0" or one or more <number><unit>
_DURATION = re.compile(r"[-+]?(0|(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)")
_PROTOCOLS = ("tcp", "udp", "sctp")


def is_duration(value: object) -> bool:
    """False only for a string that Go's `time.ParseDuration` rejects."""
    if not isinstance(value, str):
        return True          # the type check reports non-strings
    if _DURATION.fullmatch(value) is None:
        return False
    from stacklint.gotypes import parse_duration     # an int64 of nanoseconds: no overflow
    return parse_duration(value) is not None


def is_byte_size(value: object) -> bool:
    """True when Docker reads `value` as a byte size (`512m`, `1.5G`, `1048576`)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    from stacklint.gotypes import parse_bytes        # go-units, to the suffix
    return isinstance(value, str) and parse_bytes(value) is not None


def _ascii_digits(text: str) -> bool:
    """Go's digits: `"٣".isdigit()` is true in Python, not in `strconv.ParseUint`."""
    return text.isascii() and text.isdigit()


def _port_range(text: str) -> tuple[int, int]:
    """`nat.ParsePortRange`: "80" or "8000-8010", each a 16-bit number."""
    start, dash, end = text.partition("-")
    if not _ascii_digits(start) or (dash and not _ascii_digits(end)):
        raise ValueError(text)
    low, high = int(start), int(end) if dash else int(start)
    if high > 65535 or low > high:
        raise ValueError(text)
    return low, high


def port_spec_problem(spec: str) -> str | None:
    """Why `nat.ParsePortSpec` rejects `spec`, or None when it accepts it."""
    parts = spec.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ""
    ip = ":".join(parts[:-2])
    container, _, proto = container.partition("/")
    if ip.startswith("["):
        ip = ip[1:].rstrip("]")
    if ip:
        import ipaddress   # lazily: most port specs carry no address

        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return f"invalid IP address: {ip}"
    if not container:
        return "no container port"
    try:
        start, end = _port_range(container)
    except ValueError:
        return f"invalid container port: {container} (a number from 0 to 65535, or a range)"
    if host:
        try:
            host_start, host_end = _port_range(host)
        except ValueError:
            return f"invalid published port: {host} (a number from 0 to 65535, or a range)"
        if end - start != host_end - host_start and end != start:
            return f"the ranges {host} and {container} have different lengths"
    if proto and proto.lower() not in _PROTOCOLS:
        return f"invalid protocol: {proto} (use tcp, udp or sctp)"
    return None


def _numerator(value: float) -> int:
    from fractions import Fraction

    return Fraction(value).numerator


def is_port_spec(value: object) -> bool:
    """The `ports` format: a short port spec, as a string or a number."""
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        # gojsonschema hands numbers over as big.Rat; Docker parses the numerator
        if value != value or value in (float("inf"), float("-inf")):
            return False
        value = str(int(value) if float(value).is_integer() else _numerator(value))
    if not isinstance(value, str):
        return True
    return port_spec_problem(value) is None
