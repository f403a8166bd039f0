"""The merged model equals what `docker stack config` printed (stored expected.yml), no docker needed."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from stacklint.document import parse, read
from stacklint.errors import InputError
from stacklint.stack import load_stack
from stacklint.tree import plain
from tests import dockerdiff as dd

ORACLE = dd.SHARED / "oracle" / "merge-cases"
# the model keeps `core: 0` (what deploys); Docker prints it as `{}` and cannot read that back
ULIMIT_ZERO = {"038-ulimits-replaced-per-name", "129-ulimit-zero-output-not-round-trippable"}


def _expected(case: dd.Case) -> object:
    text = (case.folder / "expected.yml").read_text()
    text = text.replace("@CASEDIR@/..", str(case.folder.parent)).replace("@CASEDIR@", str(case.folder))
    return dd._drop_empty_bind(plain(parse(text).data))


def _model(case: dd.Case) -> object:
    stack = load_stack([str(case.folder / f) for f in case.files], env=case.env)
    model = plain(stack.model)
    if case.name in ULIMIT_ZERO:
        for body in model["services"].values():
            body["ulimits"] = {k: ({} if v == 0 else v) for k, v in body["ulimits"].items()}
    return model


def _cases(root: Path, with_file: str) -> list[dd.Case]:
    if not root.is_dir():
        return []
    return [c for c in dd.numbered_cases(root) if (c.folder / with_file).exists()]


def _merge_error(case: dd.Case) -> str | None:
    """Docker's message when it fails for a reading or merging (not schema) reason."""
    lines = (case.folder / "expected.err").read_text().splitlines()
    return None if dd._SCHEMA.search(lines[0]) else " ".join(lines[:-1])


@pytest.mark.parametrize("case", _cases(dd.FIXTURES, "expected.yml"), ids=lambda c: c.name)
def test_fixture_model_equals_docker(case: dd.Case) -> None:
    assert _model(case) == _expected(case)


@pytest.mark.parametrize("case", _cases(ORACLE, "expected.yml"), ids=lambda c: c.name)
def test_oracle_model_equals_docker(case: dd.Case) -> None:
    assert _model(case) == _expected(case)


@pytest.mark.parametrize("case", _cases(dd.FIXTURES, "expected.err") + _cases(ORACLE, "expected.err"),
                         ids=lambda c: c.name)
def test_rejected_chains(case: dd.Case) -> None:
    message = _merge_error(case)
    if message is None:      # a schema error: validation reports it; loading must not fail
        load_stack([str(case.folder / f) for f in case.files], env=case.env)
        return
    with pytest.raises(InputError) as info:
        load_stack([str(case.folder / f) for f in case.files], env=case.env)
    error = info.value
    assert error.path and error.line, str(error)
    assert Path(error.path).parent == case.folder
    docker_words = {w for w in message.replace('"', " ").split() if len(w) > 4}
    assert docker_words & set(str(error).replace('"', " ").split()), (message, str(error))


def test_input_layers_are_not_mutated() -> None:
    folder = dd.FIXTURES / "25-anchors-and-merge-keys"
    docs = [read(folder / "1.yml"), read(folder / "2.yml")]
    before = [copy.deepcopy(plain(d.data)) for d in docs]
    first = load_stack(docs, env={})
    second = load_stack(docs, env={})
    assert [plain(d.data) for d in docs] == before
    assert plain(first.model) == plain(second.model)
    assert plain(first.layers[0].data) == before[0]
    a = first.model["services"]["a"]["deploy"]["resources"]["limits"]
    b = first.model["services"]["b"]["deploy"]["resources"]["limits"]
    assert a is not b and "cpus" not in b      # aliases do not share merged objects


def test_version_mismatch_names_both_files() -> None:
    folder = dd.FIXTURES / "23-version-mismatch-error"
    with pytest.raises(InputError) as info:
        load_stack([str(folder / "1.yml"), str(folder / "2.yml")], env={})
    text = str(info.value)
    assert "3.7 and 3.13" in text and "1.yml:1" in text and info.value.path.endswith("2.yml")
    stack = load_stack([str(folder / "1.yml"), str(folder / "2.yml")], env={},
                       allow_version_mismatch=True)
    assert [n.kind for n in stack.notes] == ["version-mismatch"]
    assert stack.version == "3.7"


def test_version_defaults() -> None:
    folder = dd.FIXTURES / "24-version-3-equals-missing"
    stack = load_stack([str(folder / "1.yml"), str(folder / "2.yml")], env={})
    assert stack.version == "3.13" and [layer.version for layer in stack.layers] == ["3.13"] * 2


def test_env_files_feed_interpolation(tmp_path: Path) -> None:
    (tmp_path / "vars.env").write_text('export TAG="1.27"\nOTHER=x\n')
    (tmp_path / "a.yml").write_text("services:\n  web:\n    image: nginx:${TAG}\n")
    stack = load_stack([str(tmp_path / "a.yml")], env={"OTHER": "y"},
                       env_files=[str(tmp_path / "vars.env")])
    assert stack.model["services"]["web"]["image"] == "nginx:1.27"
    stack = load_stack([str(tmp_path / "a.yml")], env={"TAG": "env-wins"},
                       env_files=[str(tmp_path / "vars.env")])
    assert stack.model["services"]["web"]["image"] == "nginx:env-wins"


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("- a\n- b\n", "top-level object must be a mapping"),
    ("services:\n  web:\n    volumes: ['/a::b']\n", "empty section between colons"),
    ("services:\n  web:\n    command: 'echo \"unclosed'\n", "cannot split"),
])
def test_bad_input_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "a.yml").write_text(text)
    with pytest.raises(InputError) as info:
        load_stack([str(tmp_path / "a.yml")], env={})
    assert message in str(info.value) and info.value.path.endswith("a.yml")
