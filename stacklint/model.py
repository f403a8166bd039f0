"""The records every stage shares: where a value came from, findings and fixes.

No `dataclasses` here: every command imports this module, and `dataclasses` (with the
`inspect`, `ast` and `dis` it pulls in) plus making each class cost ~25 ms of a small
`check` (~200 ms), which runs as a pre-commit hook.  The immutable records are
`NamedTuple`s (pickled, compared and hashed as tuples, so `_replace` changes a field),
the two mutable ones plain classes with `__slots__`.

No `from __future__ import annotations` either (docs/ARCHITECTURE.md, Types): a NamedTuple
compiles each annotation it gets as a string (`typing.ForwardRef`), and the first `compile()`
of a process builds Python's AST classes, ~5 ms.  So the fields' types are real objects;
only names that exist for the type checker alone are quoted (no NamedTuple field is one).
"""
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:                 # only for annotations: both import this module
    from stacklint.load.document import Document
    from stacklint.tree import SMap


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
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


class Location(NamedTuple):
    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    pointer: tuple[str | int, ...] = ()

    @classmethod
    def of(cls, origin: Origin, pointer: tuple[str | int, ...] = ()) -> "Location":
        return cls(origin.path, origin.line, origin.column, pointer=pointer)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Edit(NamedTuple):
    """Edits sort by path, then offsets: the fixer applies them in that order."""

    path: str
    start: int          # character offset, inclusive
    end: int            # exclusive; start == end inserts
    content: str        # '' deletes


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class Fix(NamedTuple):
    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SAFE


class Finding(NamedTuple):
    """The two-core `check` and `fix` send a half's findings to the parent pickled: a
    tuple pickles as its class and its fields, fast (1250 fixes: a few ms)."""

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


_NO_ARGS: Mapping[str, Any] = MappingProxyType({})


class Hit(NamedTuple):
    """What a check yields; the engine turns it into a Finding."""

    pointer: tuple[str | int, ...]
    args: Mapping[str, Any] = _NO_ARGS      # shared by every hit without args: read-only
    fix: Fix | None = None


class Note(NamedTuple):
    """Something Docker does silently that a rule may want to warn about."""

    kind: str
    message: str
    origin: Origin | None
    pointer: tuple[Any, ...] = ()


# A loaded stack (`stack.load_stack`): what every stage after loading reads.
class Layer:
    """One input file after interpolation (before normalisation)."""

    __slots__ = ("document", "data", "version")

    def __init__(self, document: "Document", data: "SMap", version: str) -> None:
        self.document = document
        self.data = data
        self.version = version


class Stack:
    __slots__ = ("layers", "model", "version", "notes", "interpolated", "secrets")

    def __init__(self, layers: list[Layer], model: "SMap", version: str,
                 notes: list[Note] | None = None, interpolated: set[Origin] | None = None,
                 secrets: dict[str, str] | None = None) -> None:
        self.layers = layers
        self.model = model
        self.version = version
        self.notes: list[Note] = [] if notes is None else notes
        self.interpolated: set[Origin] = set() if interpolated is None else interpolated
        # secret value -> the variable or env-file entry it came from; never printed (redact.py)
        self.secrets: dict[str, str] = {} if secrets is None else secrets

    @property
    def paths(self) -> list[str]:
        return [layer.document.path for layer in self.layers]
