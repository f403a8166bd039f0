"""The project's schemas: one source per version, Docker's boundaries, conformance with the official files."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conformance import differences, document, load, property_paths
from conftest import FIXTURES, REPO, require_docker, shared_path
from stacklint import gotypes
from stacklint.validate import schema as S
from stacklint.validate.validator import validate_layer

BOUNDARIES = yaml.safe_load((FIXTURES / "validate" / "boundaries.yaml").read_text(encoding="utf-8"))
IDS = [f"{c['since']}-{c['key']}-{i}" for i, c in enumerate(BOUNDARIES)]

# Compose target: where it accepts what compose-spec refuses, and why.  (It never refuses
# what compose-spec accepts: the test below holds that for every generated value.)
COMPOSE_LENIENT = {
    "services.web.build": "stack files ignore build; from 3.11 Docker accepts any build key, "
                         "the compose target keeps that openness",
    "services.web.develop": "docker compose watch settings are not modelled beyond a mapping",
    "services.web.blkio_config": "block IO limits are not modelled beyond a mapping",
    "services.web.gpus": "GPU entries are not modelled beyond a list of mappings",
    "services.web.models": "AI model attachments are not modelled beyond a mapping",
    "services.web.post_start": "lifecycle hooks are not modelled beyond a list of mappings",
    "services.web.pre_stop": "lifecycle hooks are not modelled beyond a list of mappings",
    "services.web.provider": "external providers are not modelled beyond `type` being required",
    "services.web.pull_policy": "free text: Compose checks the policy names at run time",
    "services.web.cpu_count": "no range checks on container-only CPU settings",
    "services.web.cpu_percent": "no range checks on container-only CPU settings",
    "services.web.oom_score_adj": "Docker's stack schema has no range either; one schema serves both",
    "services.web.device_cgroup_rules": "duplicates are harmless",
    "services.web.group_add": "duplicates are harmless",
    "services.web.extra_hosts": "the v3 list_or_dict shape is kept (Docker reads it)",
    "services.web.healthcheck.test": "null is accepted for test like for command",
    "services.web.ports": "duplicates are allowed (Compose merges them)",
    "services.web.volumes": "the v3 mount shapes are kept: type is free text, duplicates allowed",
    "models.web": "top-level models are not modelled beyond a mapping",
    "networks.web.ipam": "IPAM options and aux addresses are not type-checked",
}


def test_every_version_has_a_schema_built_once() -> None:
    for version in S.VERSIONS:
        assert S.schema_for("stack", version) is S.schema_for("stack", version)
        assert S.compiled("stack", version) is S.compiled("stack", version)
    old = S.schema_for("stack", "3.0")["definitions"]["service"]
    assert "secrets" not in old["properties"] and old["x-later"]["secrets"] == "3.1"
    assert "start_interval" in S.schema_for("stack", "3.12")["definitions"]["healthcheck"]["properties"]


def test_one_source_file_and_every_property_described() -> None:
    raw = json.loads((REPO / "schemas" / "stack.schema.json").read_text(encoding="utf-8"))
    missing: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if not sub.get("description"):
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(raw, "")
    assert missing == []


@pytest.mark.parametrize("case", BOUNDARIES, ids=IDS)
def test_version_boundary(case: dict[str, Any]) -> None:
    since = case["since"]
    before = S.VERSIONS[S.VERSIONS.index(since) - 1]
    for version in S.VERSIONS[S.VERSIONS.index(since):]:
        assert validate_layer(case["doc"], version, "t.yml") == [], version
    found = validate_layer(case["doc"], before, "t.yml")
    assert found and {f.rule_name for f in found} == {"needs-newer-version"}
    assert case["key"] in [f.location.pointer[-1] for f in found]
    assert all(f'"{since}"' in f.message and f"version {before}" in f.message for f in found)


@pytest.mark.docker
@pytest.mark.parametrize("case", BOUNDARIES, ids=IDS)
def test_version_boundary_matches_docker(case: dict[str, Any], tmp_path: Path) -> None:
    docker = require_docker()
    since = case["since"]
    before = S.VERSIONS[S.VERSIONS.index(since) - 1]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    verdicts = []
    for version in (since, before):
        path = tmp_path / f"{version}.yml"
        path.write_text(json.dumps({"version": version, **case["doc"]}), encoding="utf-8")
        result = subprocess.run([docker, "stack", "config", "-c", str(path)], env=env,
                                capture_output=True, text=True, cwd=tmp_path)
        verdicts.append((result.returncode, result.stderr))
    assert verdicts[0][0] == 0, verdicts[0][1]
    assert verdicts[1][0] != 0 and (str(case["key"]) in verdicts[1][1]
                                    or "must be a string" in verdicts[1][1])


def _reference(name: str) -> tuple[Any, dict[str, Any]]:
    schema = load(shared_path("reference-schemas", name))
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("duration")(gotypes.is_duration)
    checker.checks("ports")(gotypes.is_port_spec)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    return cls(schema, format_checker=checker), schema


@pytest.mark.parametrize("version", ["3.13", "3.7"])
def test_stack_schema_conforms_to_docker_schema(version: str) -> None:
    reference, raw = _reference(f"config_schema_v{version}.json")
    paths = property_paths(raw)
    assert len(paths) > 150
    found = list(differences(reference, S.compiled("stack", version), paths, {"version": version}))
    assert found == []


@pytest.mark.slow   # every property path of the compose spec
def test_compose_target_conforms_to_compose_spec() -> None:
    reference, raw = _reference("compose-spec.json")
    paths = property_paths(raw)
    unexplained = []
    for path, value, theirs, ours in differences(reference, S.compiled("compose"), paths):
        lenient = ours and not theirs
        if not (lenient and any(path == p or path.startswith(p + ".") for p in COMPOSE_LENIENT)):
            unexplained.append((path, value, theirs, ours))
    assert unexplained == []


@pytest.mark.parametrize("text,ok", [("10s", True), ("1m30s", True), ("0", True), ("1.5h", True),
                                     ("-5s", True), ("500ms", True), ("1d", False), ("10", False),
                                     ("", False), ("s", False), ("1h 30m", False)])
def test_go_durations(text: str, ok: bool) -> None:
    assert gotypes.is_duration(text) is ok


@pytest.mark.parametrize("spec,ok", [("80", True), ("8080:80", True), ("53:53/udp", True),
                                     ("127.0.0.1:80:80", True), ("9000-9001:9000-9001", True),
                                     (80, True), (99999, False), ("99999:80", False),
                                     ("80/http", False), ("abc", False), ("8000-8002:80-81", False),
                                     ("300.1.1.1:80:80", False), ("[::1]:80:80", True)])
def test_port_specs(spec: Any, ok: bool) -> None:
    assert gotypes.is_port_spec(spec) is ok


@pytest.mark.parametrize("size,ok", [("512m", True), ("1.5G", True), ("64KB", True), (1048576, True),
                                     ("12zz", False), ("1 GiB", True), ("-1", False), (True, False)])
def test_byte_sizes(size: Any, ok: bool) -> None:
    assert gotypes.is_byte_size(size) is ok


DURATIONS = ["10s", "1m30s", "0", "1.5h", "-5s", "500ms", "1us", "2µs", "1d", "10", "s", "1h 30m",
             ".5s", "1.s", "+3m", "5S"]
PORTS = ["80", "8080:80", "53:53/udp", "127.0.0.1:80:80", "9000-9001:9000-9001", "99999:80",
         "80/http", "abc", "8000-8002:80-81", "300.1.1.1:80:80", "[::1]:80:80", "8000-8001:80",
         "80:", ":80", "65535:65535", "65536:80", "80/SCTP"]


@pytest.mark.docker
def test_formats_match_docker(tmp_path: Path) -> None:
    """Go's duration and port-spec parsers, as `docker stack config` applies them."""
    docker = require_docker()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    cases = [({"healthcheck": {"interval": d}}, gotypes.is_duration(d)) for d in DURATIONS]
    cases += [({"ports": [p]}, gotypes.is_port_spec(p)) for p in PORTS]
    wrong = []
    for service, ours in cases:
        path = tmp_path / "f.yml"
        path.write_text(json.dumps({"services": {"web": {"image": "x", **service}}}))
        result = subprocess.run([docker, "stack", "config", "-c", str(path)], env=env,
                                capture_output=True, text=True)
        if (result.returncode == 0) != ours:
            wrong.append((service, ours, result.stderr.strip()))
    assert wrong == []


DOCKER_SAMPLES: list[Any] = ["text", 80, True, {}, ["a"]]
_SCHEMA_REASON = ("Additional property", "must be", "Does not match format", "is required",
                  "Must be")
# (version, property) where Docker's schema says yes but its decoder then says no
DOCKER_DECODES = {("3.0", "services.web.healthcheck.interval"),
                  ("3.0", "services.web.healthcheck.timeout")}


@pytest.mark.slow   # docker stack config per property and version
@pytest.mark.docker
@pytest.mark.parametrize("version", ["3.0", "3.9"])
def test_every_property_matches_docker(version: str, tmp_path: Path) -> None:
    """Each property of the newest schema, with a few values, in a file of `version`."""
    docker = require_docker()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    ours = S.compiled("stack", version)
    wrong = []
    for path in property_paths(S.schema_for("stack", S.LATEST)):
        if path == ("version",):
            continue
        for value in DOCKER_SAMPLES:
            doc = {"version": version, "services": {}, **document(path, value)}
            (tmp_path / "f.yml").write_text(json.dumps(doc))
            result = subprocess.run([docker, "stack", "config", "-c", "f.yml"], env=env,
                                    cwd=tmp_path, capture_output=True, text=True)
            decoding = result.stderr.startswith("decoding failed")   # after the schema passed
            theirs = result.returncode == 0 or decoding or \
                not any(r in result.stderr for r in _SCHEMA_REASON)
            place = ".".join(str(p) for p in path)
            if theirs != ours.is_valid(doc) and (version, place) not in DOCKER_DECODES:
                wrong.append((place, value, result.stderr.strip()[:120]))
    assert wrong == []


@pytest.mark.parametrize("version", ["3.0", "3.8", S.LATEST])
def test_a_pruned_schema_read_back_from_the_cache_is_the_pruned_schema(
        version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stacklint import cachefile
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = S._prune(S._raw("stack.schema.json"), S.version_key(version))
    built = S.schema_for.__wrapped__("stack", version)        # builds and keeps it
    assert len(list((tmp_path / "stacklint").glob("schema-*.marshal"))) == 1
    again = S.schema_for.__wrapped__("stack", version)        # reads it back
    assert built == fresh and again == fresh
    assert json.dumps(again) == json.dumps(fresh)              # key order too (messages)
    cache = next((tmp_path / "stacklint").glob("schema-*.marshal"))
    cache.write_bytes(b"not marshal data")
    assert cachefile.read(str(cache)) is None
    assert S.schema_for.__wrapped__("stack", version) == fresh


def test_a_cache_file_is_read_only_under_the_key_it_was_written_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file name is a 32-bit checksum of the key: a file holding another key's data
    (a checksum collision, or a copied cache) is built again, not read."""
    from stacklint import cachefile
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")
    first = cachefile.location("test", [str(source)], "3.8")
    cachefile.write(first, {"version": "3.8"})
    assert cachefile.read(first) == {"version": "3.8"}
    second = cachefile.location("test", [str(source)], "3.9")
    Path(second).write_bytes(Path(first).read_bytes())     # another key's data at its name
    assert cachefile.read(second) is None
