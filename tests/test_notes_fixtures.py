"""tests/fixtures/notes/numbers: the origin notes' chain as they ship it, CRLF and UTF-16LE+BOM."""
from __future__ import annotations

import codecs
import importlib.util
from pathlib import Path

from conftest import FIXTURES

FOLDER = FIXTURES / "notes" / "numbers"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("notes_generate", FIXTURES / "notes" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    generate = _generator()
    written = generate.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in FOLDER.iterdir())
    for path in written:
        assert (FOLDER / path.name).read_bytes() == path.read_bytes(), path.name


def test_every_line_ends_in_crlf_and_prod_full_is_utf16le_with_a_bom() -> None:
    for path in FOLDER.iterdir():
        raw = path.read_bytes()
        if path.name == "prod-full.yml":
            assert raw.startswith(codecs.BOM_UTF16_LE)
            text = raw[2:].decode("utf-16-le")
        else:
            text = raw.decode("ascii")
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), path.name
