"""The merged model equals what `docker stack config` printed (stored expected.yml), no docker needed."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacklint.load.document import parse, read
from stacklint.errors import InputError
from stacklint.load.stack import load_stack
from stacklint.tree import plain
from conftest import shared_params
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


@pytest.mark.parametrize("case", shared_params(_cases(ORACLE, "expected.yml"), "oracle", "merge-cases"),
                         ids=lambda c: c.name)
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


def _with_origins(value: object) -> object:
    """A comparable copy that keeps every origin (nodes, keys, values, list items)."""
    if isinstance(value, dict):
        return ("map", getattr(value, "origin", None),
                [(k, getattr(value, "key_origins", {}).get(k),
                  getattr(value, "value_origins", {}).get(k), _with_origins(v))
                 for k, v in value.items()])
    if isinstance(value, list):
        return ("list", getattr(value, "origin", None), list(getattr(value, "item_origins", [])),
                [_with_origins(v) for v in value])
    return value


@pytest.mark.parametrize("case", _cases(dd.FIXTURES, "expected.yml") + _cases(ORACLE, "expected.yml"),
                         ids=lambda c: c.name)
def test_loading_leaves_the_files_alone(case: dd.Case) -> None:
    """The model shares unchanged subtrees with the files' trees: nothing may edit them."""
    docs = [read(case.folder / f) for f in case.files]
    before = [_with_origins(d.data) for d in docs]
    first = load_stack(docs, env=case.env)
    assert [_with_origins(d.data) for d in docs] == before
    second = load_stack(docs, env=case.env)
    assert _with_origins(first.model) == _with_origins(second.model)
    assert [_with_origins(layer.data) for layer in first.layers] == \
        [_with_origins(layer.data) for layer in second.layers]


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


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000),
                     st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
                     st.sampled_from(["80:80", "./a:/b", "1m", "75M", "K=V", "a b 'c", "$$x"]))
_KEYS = st.sampled_from(
    ["ports", "volumes", "secrets", "environment", "deploy", "healthcheck", "test",
     "networks", "labels", "command", "logging", "ulimits", "external", "name", "aliases",
     "target", "published", "source", "type", "options", "driver", "x-a", "file"])


def _nested(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    # a def, not a lambda over several lines: hypothesis reads a lambda's source to see
    # that it uses its argument, and warns when it cannot
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4))


_VALUES = st.recursive(_SCALARS, _nested, max_leaves=12)
_SERVICE_KEYS = st.sampled_from(
    ["image", "ports", "volumes", "secrets", "configs", "environment", "labels", "deploy",
     "healthcheck", "networks", "command", "entrypoint", "logging", "ulimits", "extra_hosts",
     "dns", "build", "sysctls", "stop_grace_period", "x-meta", "env_file"])


@pytest.mark.slow   # hypothesis
@given(st.lists(st.dictionaries(_SERVICE_KEYS, _VALUES, max_size=5), min_size=1, max_size=3),
       st.dictionaries(st.sampled_from(["networks", "volumes", "secrets", "configs"]),
                       st.dictionaries(st.sampled_from(["a", "b"]), _VALUES, max_size=2),
                       max_size=2))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_schema_invalid_shapes_do_not_crash(services: list[dict], top: dict) -> None:
    """Loading tolerates any shape (validation reports it); only InputError may stop it."""
    import json as _json
    docs = [parse(_json.dumps({"services": {"web": body}, **top}, ensure_ascii=False), f"{i}.yml")
            for i, body in enumerate(services)]
    try:
        stack = load_stack(docs, env={"HOME": "/h"})
    except InputError as exc:
        assert exc.path
        return
    from stacklint.emit import stackfile
    stackfile.render(stack.model, annotate=True)


def test_absurd_nesting_is_an_input_error(tmp_path: Path) -> None:
    depth = 5000
    (tmp_path / "a.yml").write_text(
        "services:\n  web:\n    image: x\n    x-deep: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(InputError) as info:
        load_stack([str(tmp_path / "a.yml")], env={})
    assert "too deeply" in info.value.message and info.value.path.endswith("a.yml")


# Where stacklint's text differs from Docker's printed text, and why (all deliberate).
TEXT_DIFFERS = {
    "dollar": ["20-interpolation-forms", "27-dollar-and-special-strings",
               "35-command-shell-split", "19-env-file-per-file", "082-interp-nested-default-unsupported",
               "083-interp-dollar-escape", "145-env-file-format-literal"],     # `$` written `$$`
    "unique": ["08-extra-hosts", "09-string-or-list-appended", "29-services-added-sorted",
               "033-extra-hosts-appended-with-duplicates", "039-dns-and-dns-search-appended",
               "040-cap-add-drop-appended-with-duplicates", "042-tmpfs-and-expose-appended",
               "043-depends-on-list-appended"],                 # repeated unique-list entries
    "version": ["34-external-name-old-version"],        # `name` needs version 3.5
    "ulimit": ["038-ulimits-replaced-per-name", "129-ulimit-zero-output-not-round-trippable"],
    "bind": ["116-bind-create-host-path-accepted-but-broken"],
}
_DIFFERS = {name for names in TEXT_DIFFERS.values() for name in names}


@pytest.mark.parametrize("case", _cases(dd.FIXTURES, "expected.yml") + _cases(ORACLE, "expected.yml"),
                         ids=lambda c: c.name)
def test_output_text_is_dockers(case: dd.Case) -> None:
    """Byte for byte what `docker stack config` prints, except the deliberate differences."""
    from stacklint.emit import stackfile
    text = stackfile.render(load_stack([str(case.folder / f) for f in case.files], env=case.env).model)
    want = (case.folder / "expected.yml").read_text()
    want = want.replace("@CASEDIR@/..", str(case.folder.parent)).replace("@CASEDIR@", str(case.folder))
    assert (text == want) != (case.name in _DIFFERS)
