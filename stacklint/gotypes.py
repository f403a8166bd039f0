"""Docker's Go-side parsers and printers, the one place for each: durations, byte sizes,
floats, port and volume specs, shell words. Schema formats, normalisation, merge, rules and
fixes all read Go values through here (`tests/test_gotypes.py` runs each input through
every caller, against `docker stack config`)."""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import ipaddress
import math
import re
from functools import cache, lru_cache
from typing import NamedTuple

_UNITS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}
_MAX = 1 << 63                       # Go's int64 range ends at 1<<63 - 1
_DIGITS = frozenset("0123456789")


@lru_cache(maxsize=4096)     # a stack repeats a few durations in every service
def parse_duration(text: str) -> int | None:
    """Nanoseconds as Go's `time.ParseDuration` reads `text`, or None where Go errs:
    `[-+]` then "0" or `<number><unit>`…, no spaces, nothing past int64 (`2562048h`)."""
    rest, neg = text, False
    if rest[:1] in ("-", "+") and rest:
        neg, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total, i, n = 0, 0, len(rest)
    while i < n:
        if rest[i] != "." and rest[i] not in _DIGITS:
            return None
        start, whole = i, 0
        while i < n and rest[i] in _DIGITS:             # leadingInt: overflow is an error
            whole = whole * 10 + ord(rest[i]) - 48
            if whole > _MAX:
                return None
            i += 1
        pre = i > start
        frac, scale, post = 0, 1.0, False
        if i < n and rest[i] == ".":
            i += 1
            start, overflow = i, False
            while i < n and rest[i] in _DIGITS:         # leadingFraction: extra digits dropped
                if not overflow:
                    nxt = frac * 10 + ord(rest[i]) - 48
                    if frac > (_MAX - 1) // 10 or nxt > _MAX:
                        overflow = True
                    else:
                        frac, scale = nxt, scale * 10
                i += 1
            post = i > start
        if not pre and not post:
            return None
        start = i
        while i < n and rest[i] != "." and rest[i] not in _DIGITS:
            i += 1
        unit = _UNITS.get(rest[start:i])
        if unit is None:
            return None
        if whole > _MAX // unit:
            return None
        value = whole * unit
        if frac:
            value += int(float(frac) * (float(unit) / scale))   # Go's float64 arithmetic
            if value > _MAX:
                return None
        total += value
        if total > _MAX:
            return None
    if neg:
        return -total
    return total if total < _MAX else None


def duration_seconds(value: object) -> float | None:
    """Seconds in a decoded value Docker reads as a duration: a Go duration string, or a
    number (nanoseconds, as Go decodes it); None for anything else (for rules)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1e9
    if not isinstance(value, str):
        return None
    ns = parse_duration(value)
    return None if ns is None else ns / 1e9


def is_duration(value: object) -> bool:
    """The schema's `duration` format: False only for a string Go's ParseDuration rejects."""
    if not isinstance(value, str):
        return True          # the type check reports non-strings
    return parse_duration(value) is not None


@lru_cache(maxsize=4096)
def normal_duration(text: str) -> str | None:
    """`text` as Docker prints the Go duration it reads (None: not a duration)."""
    ns = parse_duration(text)
    return None if ns is None else format_duration(ns)


def _frac(value: int, digits: int) -> str:
    """`value` divided by 10**digits, without trailing zeros (Go's fmtFrac)."""
    whole, part = divmod(value, 10**digits)
    text = str(part).rjust(digits, "0").rstrip("0")
    return f"{whole}.{text}" if text else str(whole)


@lru_cache(maxsize=4096)
def format_duration(ns: int) -> str:
    """Go's `time.Duration.String()`."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, digits in (("ns", 0), ("µs", 3), ("ms", 6)):
            if ns < 10 ** (digits + 3):
                return sign + _frac(ns, digits) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    text = _frac(rest, 9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def format_seconds(seconds: float) -> str:
    """Seconds printed as Go prints the duration (`1m30s`, `500ms`), for messages."""
    return format_duration(round(seconds * 1e9))


# strconv.ParseFloat's decimal and hexadecimal forms, ASCII digits only, no spaces; a `_`
# only between digits (`docker stack config` reads memory "1_000" as 1000)
_D = r"[0-9]+(?:_[0-9]+)*"


@cache      # compiled on first use: many stacks have no number written as a string
def _go_float() -> re.Pattern[str]:
    return re.compile(rf"[+-]?(?:(?:{_D}\.?(?:{_D})?|\.{_D})(?:[eE][+-]?{_D})?"
                      r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)")


_DIGITS_DOT_SPACE = "0123456789. "


def go_parse_float(text: str) -> float | None:
    """`strconv.ParseFloat(text, 64)`, None on a syntax or range error (`1e309`)."""
    if not _go_float().fullmatch(text):
        return None
    value = float.fromhex(text) if "x" in text.lower() else float(text.replace("_", ""))
    return value if math.isfinite(value) else None


def _go_int64(value: float) -> int:
    """Go's `int64(float64)` on amd64: out of range gives the minimum int64 (`9e18k`)."""
    return int(value) if -_MAX <= value < _MAX else -_MAX


@lru_cache(maxsize=4096)     # the same few sizes in every service
def parse_bytes(text: str) -> int | None:
    """docker/go-units `RAMInBytes` (binary units; go-units `parseSize`), or None:
    the number is what ends at the last digit, dot or space; then nothing, `b`, or one of
    k m g t p (any case) with an optional `b` or `ib` (`512Mi` is refused, `512MiB` is not)."""
    sep = max(text.rfind(c) for c in _DIGITS_DOT_SPACE)
    if sep == -1:
        return None
    number, suffix = (text[:sep + 1], text[sep + 1:]) if text[sep] != " " else \
        (text[:sep], text[sep + 1:])
    size = go_parse_float(number)
    if size is None or size < 0:
        return None
    if not suffix:
        return _go_int64(size)
    suffix = suffix.lower()
    if len(suffix) > 3:
        return None
    if suffix[0] == "b":
        return _go_int64(size) if len(suffix) == 1 else None
    unit = "kmgtp".find(suffix[0])
    if unit == -1 or suffix[1:] not in ("", "b", "ib"):
        return None
    return _go_int64(size * 1024 ** (unit + 1))


def byte_size(value: object) -> int | None:
    """Bytes in a decoded value Docker reads as a byte size (a number, or a size string);
    None for anything else (for rules)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return parse_bytes(value) if isinstance(value, str) else None


def is_byte_size(value: object) -> bool:
    """True when Docker reads `value` as a byte size (`512m`, `1.5G`, `1048576`)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and parse_bytes(value) is not None


def number(value: object) -> float | None:
    """A number from an int, float or numeric string (`cpus: "0.50"`), as Go's ParseFloat
    reads the string; None for anything else (for rules)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return go_parse_float(value) if isinstance(value, str) else None


def format_float(value: float) -> str:
    """Go's `fmt.Sprint(float64)` (%g, shortest digits, exponent from 1e+06 on)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    from decimal import Decimal      # here: a float is rarely printed, and start-up counts
    sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits)) or "0"
    point = len(text) + int(exp)
    e = point - 1
    neg = "-" if sign else ""
    if value == 0:
        return neg + "0"
    if e < -4 or e >= 6:   # strconv 'g' with the shortest precision
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{text}"
    if point >= len(text):
        return neg + text + "0" * (point - len(text))
    return f"{neg}{text[:point]}.{text[point:]}"


def go_string(value: object) -> str:
    """Go's `fmt.Sprint` of a decoded YAML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    return str(value)


class PortEntry(NamedTuple):      # the records here are no dataclasses: see model.py
    target: int
    published: int
    protocol: str
    dropped_ip: str = ""


_PORT = re.compile(r"[0-9]+")


def _port_range(text: str) -> tuple[int, int]:
    """go-connections `ParsePortRange`: "80" or "8000-8010", 16-bit numbers, start <= end."""
    start, dash, end = text.partition("-")
    if not _PORT.fullmatch(start) or (dash and not _PORT.fullmatch(end)):
        raise ValueError(text)
    low, high = int(start), int(end) if dash else int(start)
    if high > 65535 or high < low:
        raise ValueError(text)
    return low, high


def _split_port(spec: str) -> tuple[str, str, str, str]:
    """(ip, host, container, protocol) of a short port spec, as `nat.ParsePortSpec` cuts it."""
    parts = spec.split(":")
    container, _, proto = parts[-1].partition("/")
    host = parts[-2] if len(parts) > 1 else ""
    ip = ":".join(parts[:-2])
    if ip.startswith("["):
        ip = ip[1:].rstrip("]")
    return ip, host, container, proto


def port_spec_problem(spec: str) -> str | None:
    """Why `nat.ParsePortSpec` rejects `spec`, or None when it accepts it."""
    ip, host, container, proto = _split_port(spec)
    if ip:
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
    if proto and proto.lower() not in ("tcp", "udp", "sctp"):
        return f"invalid protocol: {proto} (use tcp, udp or sctp)"
    return None


def _numerator(value: float) -> int:
    from fractions import Fraction

    return Fraction(value).numerator


def is_port_spec(value: object) -> bool:
    """The schema's `ports` format: a short port spec, as a string or a number."""
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


def parse_port(spec: str) -> list[PortEntry]:
    """`nat.ParsePortSpec` + swarm's conversion, in Docker's (string-sorted) order."""
    problem = port_spec_problem(spec)
    if problem is not None:
        raise ValueError(f"{spec}: {problem}")
    ip, host, container, proto = _split_port(spec)
    proto = (proto or "tcp").lower()
    start, end = _port_range(container)
    hstart, hend = _port_range(host) if host else (0, 0)
    bindings: dict[str, list[tuple[int, int]]] = {}
    for i in range(end - start + 1):
        if start == end and hstart != hend:
            hosts = (hstart, hend)
        else:
            hosts = (hstart + i, hstart + i) if host else (0, 0)
        bindings.setdefault(f"{start + i}/{proto}", []).append(hosts)
    out: list[PortEntry] = []
    shown_ip = ip if ip and not ipaddress.ip_address(ip).is_unspecified else ""
    for key in sorted(bindings):
        target = int(key.split("/")[0])
        for lo, hi in bindings[key]:
            for published in range(lo, hi + 1):
                out.append(PortEntry(target, published, proto, shown_ip))
    return out


class VolumeSpec:
    """A short volume spec as `parse_volume` fills it in, section by section."""

    __slots__ = ("type", "source", "target", "read_only", "extra")

    def __init__(self, type: str = "", source: str = "", target: str = "") -> None:
        self.type = type
        self.source = source
        self.target = target
        self.read_only = False
        self.extra: dict[str, dict[str, object]] = {}


_PROPAGATIONS = {"rprivate", "private", "rshared", "shared", "rslave", "slave"}


def _is_drive(buffer: str, char: str) -> bool:
    return char == ":" and len(buffer) == 1 and buffer.isalpha()


def parse_volume(spec: str) -> VolumeSpec:
    """docker/cli `loader.ParseVolume` for the short `src:dst:opts` syntax."""
    vol = VolumeSpec()
    if not spec:
        raise ValueError("invalid empty volume spec")
    if len(spec) <= 2:
        return VolumeSpec("volume", "", spec)
    for char, section in _sections(spec):
        _field(char, section, vol, spec)
    source = vol.source
    is_path = bool(source) and (source[0] in "./~" or source.startswith("\\\\")
                                or (len(source) > 1 and _is_drive(source[0], source[1])))
    vol.type = "bind" if is_path else "volume"
    return vol


def _sections(spec: str) -> list[tuple[str, str]]:
    """(the character that ends it, text) of each section, as Docker's scanner cuts them:
    at each colon and at the end ("\0"), except the colon after a one-letter section,
    which is a Windows drive letter (`C:\\data:/data`)."""
    if "\0" in spec:      # a NUL ends a section too: the scanner itself, character by character
        out, buffer = [], ""
        for char in spec + "\0":
            if _is_drive(buffer, char):
                buffer += char
            elif char in ":\0":
                out.append((char, buffer))
                buffer = ""
            else:
                buffer += char
        return out
    parts = spec.split(":")
    out = []
    index, last = 0, len(parts) - 1
    while index <= last:
        part = parts[index]
        if index < last and len(part) == 1 and part.isalpha():
            index += 1
            part = f"{part}:{parts[index]}"
        out.append(("\0" if index == last else ":", part))
        index += 1
    return out


def _field(char: str, buffer: str, vol: VolumeSpec, spec: str) -> None:
    if not buffer:
        raise ValueError(f"invalid spec: {spec}: empty section between colons")
    if not vol.source and char == "\0":
        vol.target = buffer
    elif not vol.source:
        vol.source = buffer
    elif not vol.target:
        vol.target = buffer
    elif char == ":":
        raise ValueError(f"invalid spec: {spec}: too many colons")
    else:
        for option in buffer.split(","):
            if option in ("ro", "rw"):
                vol.read_only = option == "ro"
            elif option == "nocopy":
                vol.extra["volume"] = {"nocopy": True}
            elif option in _PROPAGATIONS:
                vol.extra["bind"] = {"propagation": option}


def shell_split(text: str) -> list[str]:
    """google/shlex `Split` (Docker's command splitter): `#` starts a comment only
    between words, and a backslash inside double quotes escapes any character."""
    words: list[str] = []
    word: list[str] | None = None
    state = "start"
    for char in text:
        if state == "start":
            if char in " \t\r\n":
                continue
            word, state = [], {'"': "dquote", "'": "squote", "\\": "escape",
                               "#": "comment"}.get(char, "word")
            if state == "word":
                word.append(char)
        elif state == "word":
            assert word is not None
            if char in " \t\r\n":
                words.append("".join(word))
                word, state = None, "start"
            else:
                state = {'"': "dquote", "'": "squote", "\\": "escape"}.get(char, "word")
                if state == "word":
                    word.append(char)
        elif state in ("escape", "dquote_escape"):
            assert word is not None
            word.append(char)
            state = "word" if state == "escape" else "dquote"
        elif state == "dquote":
            assert word is not None
            if char == '"':
                state = "word"
            elif char == "\\":
                state = "dquote_escape"
            else:
                word.append(char)
        elif state == "squote":
            assert word is not None
            if char == "'":
                state = "word"
            else:
                word.append(char)
        elif state == "comment" and char == "\n":
            word, state = None, "start"
    if state in ("escape", "dquote_escape"):
        raise ValueError("EOF found after escape character")
    if state in ("dquote", "squote"):
        raise ValueError("EOF found when expecting closing quote")
    if state == "word" and word is not None:
        words.append("".join(word))
    return words
