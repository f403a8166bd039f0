"""The fast yes/no schema check gives jsonschema's verdict on every probe."""
from __future__ import annotations

import jsonschema
import pytest

from conformance import SAMPLES, document, property_paths
from stacklint.validate import schema as S
from stacklint.validate.fastcheck import compile_schema, equal


def _jsonschema(target: str, version: str) -> jsonschema.Draft7Validator:
    checker = jsonschema.FormatChecker(formats=())
    for name, check in S.FORMATS.items():
        checker.checks(name)(check)
    return jsonschema.Draft7Validator(S.schema_for(target, version), format_checker=checker)


@pytest.mark.slow   # generated documents against jsonschema per schema
@pytest.mark.parametrize("target,version", [("stack", "3.0"), ("stack", "3.4"), ("stack", "3.8"),
                                            ("stack", "3.13"), ("compose", "3.13")])
def test_same_verdict_as_jsonschema(target: str, version: str) -> None:
    schema = S.schema_for(target, version)
    fast = compile_schema(schema, S.FORMATS)
    full = _jsonschema(target, version)
    paths = property_paths(schema)
    assert len(paths) > 100
    checked = 0
    for path in paths:
        for value in SAMPLES:
            doc = document(path, value)
            assert fast(doc) == full.is_valid(doc), (path, value)
            checked += 1
    assert checked > 3000


def test_json_equality_rules() -> None:
    assert not equal(True, 1) and equal(1, 1.0) and not equal("1", 1)
    assert equal({"a": [1, True]}, {"a": [1.0, True]}) and not equal([1], [True])


def test_unsupported_keyword_is_refused() -> None:
    with pytest.raises(ValueError, match="does not support"):
        compile_schema({"if": {"type": "string"}}, {})
