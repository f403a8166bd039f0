"""Interpolation with docker stack's template rules (cli/compose/template)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stacklint.load.document import parse
from stacklint.errors import InputError
from stacklint.load.interpolate import TemplateError, interpolate, substitute
from stacklint.tree import plain

ENV = {"SET": "value", "EMPTY": "", "TAG": "1.25", "lower": "lc"}


@pytest.mark.parametrize("template, expected", [
    ("${SET}", "value"), ("$SET", "value"), ("x${SET}y", "xvaluey"),
    ("${EMPTY:-d}", "d"), ("${EMPTY-d}", ""), ("${UNSET:-d}", "d"), ("${UNSET-d}", "d"),
    ("${SET:-d}", "value"), ("${EMPTY?e}", ""), ("${SET:?e}", "value"),
    ("$SET-suffix", "value"), ("$UNSET-fallback", "fallback"), ("$SET?x", "value"),
    ("${SET}-suffix", "value-suffix"), ("$$", "$"), ("$$$$", "$$"), ("$$SET", "$SET"),
    ("${UNSET:-${TAG}}", "${TAG}"), ('${X:-{"a":1}}', '{"a":1}'), ("$lower", "lc"),
    ("${UNSET}", ""), ("no variables", "no variables"),
])
def test_substitute(template: str, expected: str) -> None:
    assert substitute(template, ENV.get) == expected


@pytest.mark.parametrize("template, message", [
    ("${}", "${}"), ("costs 5$ or $1", "costs 5$ or $1"), ("${SET:+alt}", "${SET:+alt}"),
    ("${EMPTY:?must be set}", "required variable EMPTY is missing a value: must be set"),
    ("${UNSET?please export}", "required variable UNSET is missing a value: please export"),
])
def test_invalid_templates(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        substitute(template, ENV.get)
    assert str(info.value) == message


def test_unset_names_are_collected() -> None:
    unset: list[str] = []
    assert substitute("${A}-${SET}-$B", ENV.get, unset) == "-value-"
    assert unset == ["A", "B"]


@given(st.text(alphabet=st.characters(blacklist_characters="$")))
def test_text_without_dollar_is_unchanged(text: str) -> None:
    assert substitute(text, ENV.get) == text


@pytest.mark.slow   # hypothesis
@given(st.text())
def test_escaped_text_comes_back(text: str) -> None:
    assert substitute(text.replace("$", "$$"), ENV.get) == text


def _load(text: str, env: dict[str, str]) -> tuple[object, object]:
    doc = parse(text, "c.yml")
    data, result = interpolate(doc.data, env, "c.yml")
    return plain(data), result


def test_casts_only_when_substituted() -> None:
    text = ('services:\n  web:\n    read_only: ${RO}\n    ports:\n      - published: ${P}\n'
            '        target: "80"\n    deploy:\n      replicas: ${R}\n    environment:\n'
            '      N: ${P}\nnetworks:\n  n:\n    external: ${RO}\n')
    data, _ = _load(text, {"RO": "Yes", "P": "8080", "R": "3"})
    web = data["services"]["web"]
    assert web["read_only"] is True and web["deploy"]["replicas"] == 3
    assert web["ports"] == [{"published": 8080, "target": "80"}]     # literal: no cast
    assert web["environment"] == {"N": "8080"} and data["networks"]["n"]["external"] is True


def test_cast_failure_names_path_and_line() -> None:
    with pytest.raises(InputError) as info:
        _load("services:\n  web:\n    deploy:\n      replicas: ${R}\n", {"R": "three"})
    assert info.value.line == 4 and info.value.column == 17
    assert info.value.message == ('error while interpolating services.web.deploy.replicas: '
                                  'failed to cast to expected type: strconv.Atoi: parsing '
                                  '"three": invalid syntax')


def test_keys_are_not_interpolated_and_origins_recorded() -> None:
    text = "services:\n  web:\n    labels:\n      ${K}: ${V}\n    image: plain\n"
    data, result = _load(text, {"K": "k", "V": "v"})
    assert data["services"]["web"]["labels"] == {"${K}": "v"}
    assert [(o.line, o.column) for o in result.interpolated] == [(4, 13)]


def test_unset_reported_with_origin() -> None:
    _, result = _load("services:\n  web:\n    image: nginx:${TAG}\n    labels:\n"
                      "      - a.b=${X}\n", {})
    assert [(name, o.line, path, pointer) for name, o, path, pointer in result.unset] == [
        ("TAG", 3, "services.web.image", ("services", "web", "image")),
        ("X", 5, "services.web.labels.[]", ("services", "web", "labels", 0))]


def test_invalid_format_error_text() -> None:
    with pytest.raises(InputError) as info:
        _load("services:\n  web:\n    environment:\n      PRICE: costs 5$\n", {})
    assert info.value.message == ('invalid interpolation format for services.web.environment.'
                                  'PRICE: "costs 5$"; you may need to escape any $ with another $')
    assert (info.value.path, info.value.line) == ("c.yml", 4)


@pytest.mark.parametrize("form", ["${TLS:+--tls}", "${TLS+--tls}"])
def test_compose_alternative_value_is_named_with_its_way_out(form: str) -> None:
    # docker stack config rejects both forms with its generic message (checked with 28.2.2)
    with pytest.raises(InputError) as info:
        _load(f'services:\n  web:\n    command: "serve {form}"\n', {"TLS": "1"})
    assert info.value.message.startswith("invalid interpolation format for services.web.command")
    assert "alternative value" in info.value.hint and "docker stack does not support" in \
        info.value.hint and "${VALUE}" in info.value.hint
    assert info.value.line == 3


def test_plain_invalid_format_keeps_the_escape_hint() -> None:
    with pytest.raises(InputError) as info:
        _load("services:\n  web:\n    environment:\n      PRICE: costs 5$\n", {})
    assert "alternative value" not in info.value.hint and "$$" in info.value.hint


def test_version_is_never_substituted() -> None:
    data, result = _load('version: "${V}"\nservices:\n  web:\n    image: "${V}"\n', {"V": "3.8"})
    assert data == {"version": "${V}", "services": {"web": {"image": "3.8"}}}
    assert len(result.interpolated) == 1


@pytest.mark.parametrize("text", [
    'services:\n  web:\n    image: "nginx:\\x24{TAG}"\n',        # an escape spells the $
    'x-env: &env\n  A: ${TAG}\nservices:\n  web:\n    environment: *env\n',
    'x-base: &base\n  image: nginx:${TAG}\nservices:\n  web:\n    <<: *base\n',
    'x-img: &img nginx:${TAG}\nservices:\n  web:\n    image: *img\n    labels: [a]\n',
    'services:\n  web:\n    image: nginx\n    deploy: {labels: {a: "${TAG}"}}\n'
    '    environment: [A=1, "B=$SET"]\n  db:\n    image: db\n    ports: [80, 443]\n',
    'services:\n  web:\n    image: nginx\n    labels: {a: b}\n',
])
def test_source_text_only_spares_work(text: str) -> None:
    """Given the source text, files and containers without a `$` are not walked; the
    result is the same as walking everything."""
    doc = parse(text, "c.yml")
    spared, spared_result = interpolate(doc.data, ENV, "c.yml", doc.text)
    walked, walked_result = interpolate(doc.data, ENV, "c.yml")
    assert plain(spared) == plain(walked) and spared_result == walked_result
    assert "${TAG}" not in str(plain(spared)) and "$SET" not in str(plain(spared))
