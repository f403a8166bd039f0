"""Run stacklint with proposed speed changes patched in, to measure them before they land.

    python bench/whatif.py gc,convert,validator -- check -f a.yml -f b.yml

Changes (comma-separated):
  gc         switch the cyclic garbage collector off for the whole command
  convert    `bench/proto_convert.convert` instead of `document.Converter` (same output)
  events     `bench/proto_events.build`: parser events straight to SMap, no node tree
             (same output; documents with anchors, tags or merge keys take the usual path)
  validator  `is_valid` by jsonschema_rs when installed; errors still listed by the
             project's validator, so the messages do not change
  endpos     `engine._end_position` without counting lines from the top of the file
  interp     interpolation returns strings without `$` untouched, before any work
  cow        interpolation copies only the containers in which a `$` changed something
  rules      `conditions.parse_path` memoised; `isinstance(x, dict)` for `Mapping` in the engine
  anchors    the fixer's anchor scan skips texts without `&`
  versions   the fixer's version table looks literal keys up instead of fnmatch-ing all keys
  guard      the fixer's guard lists the original file's schema errors only when a fixed
             text has any, and does not parse the final text a second time
`bench/run.py --whatif gc,convert,validator` times this wrapper like the real command.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def _replace(owner: Any, name: str, new: Any) -> None:
    """Set `owner.name`, and every `from ... import name` copy already made in stacklint."""
    old = getattr(owner, name)
    setattr(owner, name, new)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("stacklint"):
            for attr, value in list(vars(module).items()):
                if value is old:
                    setattr(module, attr, new)


def _patch_gc() -> None:
    import gc
    gc.disable()


def _patch_convert() -> None:
    sys.path.insert(0, str(ROOT))
    import proto_convert

    from stacklint import document

    def parse(text: str, path: str = "<string>", encoding: str = "utf-8") -> Any:
        newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
        node = document.compose(text, path)
        data = None if node is None else proto_convert.convert(node, path, text)
        return document.Document(path, text, encoding, newline, data)

    _replace(document, "parse", parse)


def _patch_events() -> None:
    sys.path.insert(0, str(ROOT))
    import proto_events

    from stacklint import document

    slow = document.parse

    def parse(text: str, path: str = "<string>", encoding: str = "utf-8") -> Any:
        ok, data = proto_events.build(text, path)
        if not ok:
            return slow(text, path, encoding)
        newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
        return document.Document(path, text, encoding, newline, data)

    _replace(document, "parse", parse)


class _FastValid:
    """A compiled `is_valid` in front; jsonschema (~50-100 ms to import) only to list errors."""

    def __init__(self, slow: Any, fast: Any) -> None:
        self.slow, self.fast = slow, fast

    def is_valid(self, instance: Any) -> bool:
        return bool(self.fast(instance))

    def iter_errors(self, instance: Any) -> Any:
        return self.slow().iter_errors(instance)


def _patch_validator() -> None:
    from functools import lru_cache

    from stacklint import schema

    try:
        import jsonschema_rs
    except ImportError:  # the project's own compiled check stays
        print("whatif: jsonschema_rs is not installed; validator unchanged", file=sys.stderr)
        return
    project_compiled = schema.compiled
    fmt = getattr(schema, "FORMATS", {})

    @lru_cache(maxsize=None)
    def compiled(target: str, version: str = schema.LATEST) -> Any:
        raw = schema.schema_for(target, version)
        fast = jsonschema_rs.validator_for(raw, formats=fmt, validate_formats=True).is_valid
        return _FastValid(lambda: project_compiled(target, version), fast)

    _replace(schema, "compiled", compiled)


def _patch_endpos() -> None:
    from stacklint import engine

    def end_position(stack: Any, origin: Any) -> tuple[int | None, int | None]:
        for layer in getattr(stack, "layers", ()):
            doc = layer.document
            if doc.path == origin.path and 0 <= origin.start <= origin.end <= len(doc.text):
                text, end = doc.text, origin.end
                newline = text.find("\n", origin.start, end)
                if newline != -1:       # a block: end at the first line
                    end = newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline
                # the end is on the origin's own line: no need to count lines from the top
                return origin.line, end - (text.rfind("\n", 0, end) + 1) + 1
        return None, None

    _replace(engine, "_end_position", end_position)


def _patch_interp() -> None:
    from stacklint import interpolate

    slow = interpolate.Interpolator._string

    def string(self: Any, value: str, path: tuple[str, ...], origin: Any) -> Any:
        return value if "$" not in value else slow(self, value, path, origin)

    _replace(interpolate.Interpolator, "_string", string)


def _patch_cow() -> None:
    from stacklint import interpolate
    from stacklint.tree import SList, SMap

    def walk(self: Any, value: Any, path: tuple[str, ...], origin: Any) -> Any:
        # copy-on-write: a container none of whose scalars changed is returned as it is
        if isinstance(value, SMap):
            vo = value.value_origins
            new = {k: walk(self, v, path + (str(k),), vo.get(k)) for k, v in value.items()}
            if all(new[k] is v for k, v in value.items()):
                return value
            out = SMap(origin=value.origin)
            for key, item in new.items():
                out.put(key, item, value.key_origins.get(key), vo.get(key))
            return out
        if isinstance(value, SList):
            items = [walk(self, v, path + ("[]",), o) for v, o in zip(value, value.item_origins)]
            if all(a is b for a, b in zip(items, value)):
                return value
            return SList(items, value.origin, value.item_origins)
        if isinstance(value, str) and "$" in value:
            return self._string(value, path, origin)
        return value

    _replace(interpolate.Interpolator, "_walk", walk)


def _patch_rules() -> None:
    import functools

    from stacklint import checks, conditions, engine

    # rule paths are constants: parse each once, not once per service
    _replace(conditions, "parse_path", functools.lru_cache(maxsize=None)(conditions.parse_path))
    # the model is made of dicts (SMap); an ABC isinstance check costs ~3x a plain one
    for module in (conditions, checks, engine):
        module.Mapping = dict  # type: ignore[attr-defined]


def _patch_guard() -> None:
    from stacklint.errors import InputError
    from stacklint.fixes import guard

    class Lazy:
        """The original file's schema errors, enumerated only if a fixed text has any."""

        def __init__(self, doc: Any) -> None:
            self.doc, self.done, self.value = doc, False, None

        def get(self) -> Any:
            if not self.done:
                self.value, self.done = guard.schema_errors(self.doc), True
            return self.value

    def try_apply(doc: Any, proposals: Any, before: Any) -> Any:
        text = guard.apply_edits(doc.text, [e for p in proposals for e in p.edits])
        try:
            new = guard.parse(text, doc.path, doc.encoding)
        except InputError as exc:
            return None, f"the fixed text would not parse ({exc.message}); fix it by hand"
        if guard.comparable(new.data) != guard.expected(doc.data, proposals):
            return None, "the edit would change more than this value; fix it by hand"
        after = guard.schema_errors(new)     # cheap when the fixed text is valid
        old = before.get() if after and isinstance(before, Lazy) else before
        if after and old is not None:
            gained = sorted(after - old)
            if gained:
                return None, f"the fix would add a schema error ({gained[0][1]}); fix it by hand"
        return new, ""

    def apply_guarded(doc: Any, chosen: Any) -> Any:
        before = Lazy(doc)
        new, _ = try_apply(doc, chosen, before)
        if new is not None:
            return new, list(chosen), []
        accepted: list[Any] = []
        failed: list[Any] = []
        current = doc
        for p in chosen:
            candidate, reason = try_apply(doc, [*accepted, p], before)
            if candidate is None:
                failed.append((p, reason))
            else:
                accepted.append(p)
                current = candidate
        return current, accepted, failed

    slow_final = guard.final_check

    def final_check(before: Any, after: Any, result: Any) -> bool:
        # `after` was parsed from this very text by try_apply; a valid result gains nothing
        if after.data is not None and guard.schema_errors(after) == set():
            return True
        return bool(slow_final(before, after, result))

    guard.try_apply = try_apply
    _replace(guard, "apply_guarded", apply_guarded)
    _replace(guard, "final_check", final_check)


def _patch_versions() -> None:
    from stacklint.fixes import versions

    slow = versions._matches

    def matches(node: Any, steps: tuple[str, ...]) -> Any:
        # a literal step is one dict lookup, not an fnmatch over every key at that level
        if steps and isinstance(node, dict) and steps[0] != "{}" \
                and not any(c in steps[0] for c in "*?["):
            step = steps[0]
            if step in node:
                for tail in matches(node[step], steps[1:]):
                    yield (step, *tail)
            return
        yield from slow(node, steps)

    versions._matches = matches


def _patch_anchors() -> None:
    from stacklint.fixes import anchors

    slow = anchors.scan

    def scan(text: str, extension_spans: list[tuple[int, int]]) -> Any:
        return [] if "&" not in text else slow(text, extension_spans)

    _replace(anchors, "scan", scan)


PATCHES = {"gc": _patch_gc, "convert": _patch_convert, "validator": _patch_validator,
           "endpos": _patch_endpos, "interp": _patch_interp, "cow": _patch_cow,
           "rules": _patch_rules, "anchors": _patch_anchors, "guard": _patch_guard,
           "versions": _patch_versions, "events": _patch_events}


def main() -> int:
    names, args = sys.argv[1], sys.argv[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    for name in filter(None, names.split(",")):
        PATCHES[name]()
    from stacklint.cli import main as cli_main
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
