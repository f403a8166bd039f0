"""The records every stage shares: where a value came from, findings and fixes."""
from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:                 # only for annotations: both import this module
    from stacklint.load.document import Document
    from stacklint.tree import SMap


_T = TypeVar("_T")


def _pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle `cls` as its constructor and its fields in order.

    The two-core `check` and `fix` send a half's findings from the forked process to
    the parent; a frozen slots dataclass is otherwise pickled through the dataclass
    state protocol, about ten times slower (1250 fixes: ~50-100 ms against ~8 ms)."""
    get = operator.attrgetter(*(f.name for f in fields(cls)))   # type: ignore[arg-type]

    def __reduce__(self: _T) -> tuple[Any, ...]:
        return cls, get(self)

    cls.__reduce__ = __reduce__            # type: ignore[assignment,method-assign]
    return cls


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


class Origin(NamedTuple):
    """Where a key or value stands in a source file.

    `start`/`end` are character offsets into the decoded text (CRLF counts two),
    so a fixer can splice the original text; line and column are 1-based.
    """

    path: str
    line: int
    column: int
    start: int
    end: int


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    pointer: tuple[str | int, ...] = ()

    @classmethod
    def of(cls, origin: Origin, pointer: tuple[str | int, ...] = ()) -> Location:
        return cls(origin.path, origin.line, origin.column, pointer=pointer)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Edit:
    path: str
    start: int          # character offset, inclusive
    end: int            # exclusive; start == end inserts
    content: str        # '' deletes


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SAFE


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    fix: Fix | None = None
    suppressed: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule_id)


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check yields; the engine turns it into a Finding."""

    pointer: tuple[str | int, ...]
    args: dict[str, Any] = field(default_factory=dict)
    fix: Fix | None = None


# A loaded stack (`stack.load_stack`): what every stage after loading reads.
@dataclass
class Layer:
    """One input file after interpolation (before normalisation)."""

    document: Document
    data: SMap
    version: str


@dataclass(frozen=True)
class Note:
    """Something Docker does silently that a rule may want to warn about."""

    kind: str
    message: str
    origin: Origin | None
    pointer: tuple[Any, ...] = ()


@dataclass
class Stack:
    layers: list[Layer]
    model: SMap
    version: str
    notes: list[Note] = field(default_factory=list)
    interpolated: set[Origin] = field(default_factory=set)
    # secret value -> the variable or env-file entry it came from; never printed (redact.py)
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        return [layer.document.path for layer in self.layers]
