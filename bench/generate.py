"""Generate realistic, deterministic stack files for the benchmark.

Layouts (all under one output folder, default `bench/out`):
  chains/n<N>/        a base and two overrides (N services) that `docker stack config` accepts
  chains/a<N>/        the same chain written the way most real stacks are: top-level `x-` blocks
                      with anchors (`&default-logging`, `&deploy`), `<<:` merge keys in every
                      service, aliased lists
  merged/n<N>.yml     the same chain merged the way `docker compose config` prints it
                      (top-level `name`, no `version`, string `published`, numeric `cpus`):
                      the input for `stacklint fix`
  many/               100 stacks of 5 small files each (base + 4 overrides), `.stacklint.yaml`
                      listing every stack
  numbers/            the numbers chain (copied from `examples/numbers/` when present)
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

try:  # the C emitter keeps generating 5000 services to a few seconds
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DEFAULT_OUT = ROOT / "out"
SIZES = (10, 100, 1000, 5000)
CHAIN_FILES = ("docker-compose.yml", "docker-compose.prod.yml", "docker-compose.ops.yml")
VERSION = "3.8"
KINDS = ("web", "api", "worker", "cache", "db")
NETWORKS = ("frontend", "backend", "data", "monitoring")
SECRETS = ("db_password", "api_key", "tls_cert", "smtp_password")
CONFIGS = ("app_config", "nginx_conf", "log_config")
IMAGES = {
    "web": "registry.example.com/shop/web", "api": "registry.example.com/shop/api",
    "worker": "registry.example.com/shop/worker", "cache": "redis", "db": "postgres",
}


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=120)


def _name(i: int) -> str:
    return f"svc-{i:05d}"


def _base_service(i: int, rng: random.Random) -> dict[str, Any]:
    kind = KINDS[i % len(KINDS)]
    name = _name(i)
    tag = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    svc: dict[str, Any] = {
        "image": f"{IMAGES[kind]}:${{{name.upper().replace('-', '_')}_TAG:-{tag}}}",
        "hostname": name,
        "environment": {
            "SERVICE_NAME": name,
            "LOG_LEVEL": rng.choice(["debug", "info", "warn"]),
            "DATABASE_URL": f"postgres://app@db-{i % 7}:5432/{kind}",
            "WORKERS": str(rng.randint(1, 16)),
            "FEATURE_FLAGS": ",".join(rng.sample(["a", "b", "c", "d", "e"], 3)),
        },
        "networks": sorted(rng.sample(NETWORKS, rng.randint(1, 3))),
        "volumes": [f"{name}-data:/var/lib/{kind}", f"./config/{kind}:/etc/{kind}:ro"],
        "labels": {"com.example.team": rng.choice(["checkout", "search", "platform"]),
                   "com.example.service": name},
        "secrets": [SECRETS[i % len(SECRETS)]],
        "configs": [{"source": CONFIGS[i % len(CONFIGS)], "target": f"/etc/{kind}/app.conf",
                     "mode": 0o440}],
        "healthcheck": {"test": ["CMD", "wget", "-qO-", f"http://localhost:{8000 + i % 1000}/health"],
                        "interval": "30s", "timeout": "5s", "retries": 3},
        "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
        "stop_grace_period": f"{rng.randint(5, 30)}s",
        "deploy": {"replicas": 1, "restart_policy": {"condition": "on-failure"}},
    }
    if kind in ("web", "api"):  # short and long port syntax, both common in real stacks
        published = 20000 + i
        svc["ports"] = ([f"{published}:{8000 + i % 1000}"] if i % 2 else
                        [{"target": 8000 + i % 1000, "published": published, "protocol": "tcp",
                          "mode": "ingress"}])
    if kind == "worker":
        svc["command"] = ["worker", "--queue", f"q{i % 11}", "--concurrency", str(rng.randint(1, 8))]
    return svc


def _prod_service(i: int, rng: random.Random) -> dict[str, Any]:
    parallelism = rng.randint(1, 3)
    return {
        "environment": {"LOG_LEVEL": "warn", "ENVIRONMENT": "production"},
        "deploy": {
            "replicas": rng.randint(2, 6),
            "resources": {"limits": {"cpus": rng.choice(["0.25", "0.5", "1.0"]),
                                     "memory": rng.choice(["128M", "256M", "512M", "1G"])},
                          "reservations": {"cpus": "0.1", "memory": "64M"}},
            "update_config": {"parallelism": parallelism, "delay": "10s", "failure_action": "rollback",
                              "monitor": "30s", "max_failure_ratio": 0.1, "order": "start-first"},
            "rollback_config": {"parallelism": parallelism, "delay": "5s", "failure_action": "pause",
                                "monitor": "30s", "order": "stop-first"},
            "restart_policy": {"condition": "on-failure", "delay": "5s", "max_attempts": 3,
                               "window": "120s"},
            "placement": {"constraints": ["node.role == worker",
                                          f"node.labels.zone == {rng.choice('abc')}"],
                          "preferences": [{"spread": "node.labels.zone"}]},
            "labels": {"traefik.enable": "true",
                       f"traefik.http.routers.{_name(i)}.rule": f"Host(`{_name(i)}.example.com`)"},
        },
    }


def _ops_service(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "environment": {"OTEL_EXPORTER": "http://otel-collector:4317", "TRACE_SAMPLE": "0.05"},
        "healthcheck": {"interval": f"{rng.choice([10, 15, 20])}s", "timeout": "3s",
                        "retries": rng.randint(2, 5), "start_period": "40s"},
        "labels": {"com.example.owner": f"oncall-{i % 13}@example.com"},
        "deploy": {"labels": {"prometheus.scrape": "true", "prometheus.port": str(9100 + i % 50)}},
    }


def _top_level(names: list[str]) -> dict[str, Any]:
    return {
        "networks": {n: {"driver": "overlay", "attachable": True} for n in NETWORKS},
        "volumes": {f"{n}-data": {"driver": "local"} for n in names},
        "secrets": {s: {"file": f"./secrets/{s}.txt"} for s in SECRETS},
        "configs": {c: {"file": f"./config/{c}.conf"} for c in CONFIGS},
    }


def chain_data(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """The three documents of an N-service chain (base, prod, ops), deterministic in n and seed."""
    rng = random.Random(f"{seed}:{n}")
    names = [_name(i) for i in range(n)]
    base: dict[str, Any] = {"version": VERSION, "services": {}}
    prod: dict[str, Any] = {"version": VERSION, "services": {}}
    ops: dict[str, Any] = {"version": VERSION, "services": {}}
    for i, name in enumerate(names):
        base["services"][name] = _base_service(i, rng)
        prod["services"][name] = _prod_service(i, rng)
        if i % 4 != 3:  # the last override touches most services, not all
            ops["services"][name] = _ops_service(i, rng)
    base.update(_top_level(names))
    prod["networks"] = {"frontend": {"driver": "overlay", "attachable": True,
                                     "labels": {"com.example.tier": "edge"}}}
    return [base, prod, ops]


def _support_files(folder: Path) -> None:
    for s in SECRETS:
        _write(folder / "secrets" / f"{s}.txt", "not-a-real-secret\n")
    for c in CONFIGS:
        _write(folder / "config" / f"{c}.conf", f"# {c}\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_chain(out: Path, n: int, seed: int = 1) -> list[Path]:
    """Write the N-service chain to out/chains/n<N>/; returns the files in merge order."""
    folder = out / "chains" / f"n{n}"
    paths = [folder / f for f in CHAIN_FILES]
    for path, doc in zip(paths, chain_data(n, seed)):
        _write(path, _dump(doc))
    _support_files(folder)
    return paths


# anchored chains: shared blocks as the corpus writes them.  Placeholders dumped as plain
# scalars become aliases (`*name`) and merge keys (`<<:`) in the text afterwards.
_ALIAS = "__alias__"
_MERGE = "__merge__"
_RE_ALIAS = re.compile(_ALIAS + r"([a-z-]+)")


def _alias(name: str) -> str:
    return _ALIAS + name


def _anchored_text(doc: dict[str, Any], anchors: dict[str, tuple[str, ...]]) -> str:
    """`doc` dumped, then each placeholder made an alias or merge key and each block named in
    `anchors` ({anchor: path of keys}) given its anchor."""
    text = _dump(doc)
    for anchor, path in anchors.items():
        indent = "  " * (len(path) - 1)
        line = re.compile(rf"^({indent}{re.escape(path[-1])}:)$", re.M)
        text, count = line.subn(rf"\1 &{anchor}", text, count=1)
        assert count == 1, anchor
    return _RE_ALIAS.sub(r"*\1", text.replace(_MERGE + ":", "<<:"))


def anchored_texts(n: int, seed: int = 1) -> list[str]:
    """The three files of the anchored N-service chain: what `chain_data` says, with the blocks
    every service shares written once and merged or aliased into each service."""
    base, prod, ops = chain_data(n, seed)
    base_x = {
        "x-logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
        "x-common": {"logging": _alias("default-logging"), "stop_signal": "SIGTERM"},
        "x-deploy": {"replicas": 1, "restart_policy": {"condition": "on-failure"}},
        "x-healthcheck": {"interval": "30s", "timeout": "5s", "retries": 3},
        "x-networks": {"-".join(ns): list(ns) for ns in _network_sets()},
    }
    for svc in base["services"].values():
        health = svc["healthcheck"]
        svc.pop("logging")
        rest = dict(svc)
        svc.clear()
        svc[_MERGE] = _alias("common")
        svc.update(rest)
        svc["networks"] = _alias("net-" + "-".join(svc["networks"]))
        svc["healthcheck"] = {_MERGE: _alias("healthcheck"), "test": health["test"]}
        svc["deploy"] = {_MERGE: _alias("deploy")}
    base_anchors = {"default-logging": ("x-logging",), "common": ("x-common",),
                    "deploy": ("x-deploy",), "healthcheck": ("x-healthcheck",)}
    base_anchors.update({"net-" + "-".join(ns): ("x-networks", "-".join(ns))
                         for ns in _network_sets()})
    rolling = {"delay": "10s", "failure_action": "rollback", "monitor": "30s",
               "max_failure_ratio": 0.1, "order": "start-first"}
    prod_x = {
        "x-update": rolling,
        "x-rollback": {"delay": "5s", "failure_action": "pause", "monitor": "30s",
                       "order": "stop-first"},
        "x-restart": {"condition": "on-failure", "delay": "5s", "max_attempts": 3,
                      "window": "120s"},
        "x-placement": {z: ["node.role == worker", f"node.labels.zone == {z}"] for z in "abc"},
        "x-spread": [{"spread": "node.labels.zone"}],
    }
    for svc in prod["services"].values():
        deploy = svc["deploy"]
        zone = deploy["placement"]["constraints"][1][-1]
        deploy["update_config"] = {_MERGE: _alias("update"),
                                   "parallelism": deploy["update_config"]["parallelism"]}
        deploy["rollback_config"] = {_MERGE: _alias("rollback"),
                                     "parallelism": deploy["rollback_config"]["parallelism"]}
        deploy["restart_policy"] = _alias("restart")
        deploy["placement"] = {"constraints": _alias(f"zone-{zone}"),
                               "preferences": _alias("spread")}
    prod_anchors = {"update": ("x-update",), "rollback": ("x-rollback",),
                    "restart": ("x-restart",), "spread": ("x-spread",)}
    prod_anchors.update({f"zone-{z}": ("x-placement", z) for z in "abc"})
    ops_x = {"x-probe": {"timeout": "3s", "start_period": "40s"}}
    for svc in ops["services"].values():
        health = svc["healthcheck"]
        svc["healthcheck"] = {_MERGE: _alias("probe"), "interval": health["interval"],
                              "retries": health["retries"]}
    out = []
    for doc, x, anchors in ((base, base_x, base_anchors), (prod, prod_x, prod_anchors),
                            (ops, ops_x, {"probe": ("x-probe",)})):
        ordered = {"version": doc.pop("version"), **x, **doc}
        out.append(_anchored_text(ordered, anchors))
    return out


def _network_sets() -> list[tuple[str, ...]]:
    """Every sorted non-empty subset of up to three networks (what `_base_service` picks)."""
    from itertools import combinations
    return [c for k in (1, 2, 3) for c in combinations(sorted(NETWORKS), k)]


def write_anchored_chain(out: Path, n: int, seed: int = 1) -> list[Path]:
    """Write the anchored N-service chain to out/chains/a<N>/; returns the files in merge order."""
    folder = out / "chains" / f"a{n}"
    paths = [folder / f for f in CHAIN_FILES]
    for path, text in zip(paths, anchored_texts(n, seed)):
        _write(path, text)
    _support_files(folder)
    return paths


def _deep_merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    # the generated overrides only nest mappings and replace scalars, so a plain deep merge
    # gives the same result as Docker's merge for them
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def merged_data(n: int, seed: int = 1) -> dict[str, Any]:
    """The chain merged and printed as `docker compose config` does (not yet stack-ready)."""
    base, prod, ops = chain_data(n, seed)
    _deep_merge(base, prod)
    _deep_merge(base, ops)
    out: dict[str, Any] = {"name": "bench"}
    out.update((k, v) for k, v in base.items() if k != "version")
    for i, svc in enumerate(out["services"].values()):
        svc["image"] = svc["image"].split("${")[0] + svc["image"].rsplit(":-", 1)[1].rstrip("}")
        limits = svc["deploy"]["resources"]["limits"]
        limits["cpus"] = float(limits["cpus"])                      # compose v2 prints a number
        svc["deploy"]["resources"]["reservations"]["cpus"] = 0.1
        ports = svc.get("ports") or []
        svc["ports"] = [_long_port(p) for p in ports] if ports else None
        if svc["ports"] is None:
            del svc["ports"]
        if i % 10 == 0 and i + 1 < n:     # compose v2 prints depends_on in its long form
            svc["depends_on"] = {_name(i + 1): {"condition": "service_started", "required": True}}
    return out


def _long_port(port: Any) -> dict[str, Any]:
    if isinstance(port, str):
        published, target = port.split(":")
        port = {"target": int(target), "published": published, "protocol": "tcp", "mode": "ingress"}
    return {**port, "published": str(port["published"])}    # compose v2 >= 2.3 prints a string


def write_merged(out: Path, n: int, seed: int = 1) -> Path:
    """Write the merged compose-style file for `stacklint fix`; returns its path."""
    path = out / "merged" / f"n{n}.yml"
    _write(path, _dump(merged_data(n, seed)))
    _support_files(path.parent)
    return path


def many_data(stack: int, seed: int = 1) -> list[tuple[str, dict[str, Any]]]:
    """Five small files (base + 4 overrides) of one stack of the many-stacks repository."""
    rng = random.Random(f"{seed}:many:{stack}")
    count = rng.randint(3, 8)
    base, prod, _ops = chain_data(count, seed * 1000 + stack)
    for svc in base["services"].values():   # small files: keep only what small stacks have
        svc.pop("logging")
        svc.pop("configs")
        svc.pop("secrets")
    del base["secrets"], base["configs"]
    names = list(base["services"])
    envs = {
        "docker-compose.prod.yml": prod,
        "docker-compose.staging.yml": {"version": VERSION, "services": {
            n: {"deploy": {"replicas": 1}, "environment": {"ENVIRONMENT": "staging"}} for n in names}},
        "docker-compose.monitoring.yml": {"version": VERSION, "services": {
            n: {"deploy": {"labels": {"prometheus.scrape": "true"}}} for n in names[::2]}},
        "docker-compose.region.yml": {"version": VERSION, "services": {
            names[0]: {"environment": {"REGION": rng.choice(["eu-west-1", "us-east-1"])}}}},
    }
    return [("docker-compose.yml", base), *envs.items()]


def write_many(out: Path, stacks: int = 100, seed: int = 1) -> tuple[Path, dict[str, list[str]]]:
    """Write the many-stacks repository; returns its folder and {stack: files relative to it}."""
    repo = out / "many"
    listing: dict[str, list[str]] = {}
    for s in range(stacks):
        name = f"app-{s:03d}"
        files = []
        for fname, doc in many_data(s, seed):
            rel = f"stacks/{name}/{fname}"
            _write(repo / rel, _dump(doc))
            files.append(rel)
        listing[name] = files
    _write(repo / ".stacklint.yaml", _dump({"stacks": listing}))
    return repo, listing


# the chain the project README checks
NUMBERS_CHAIN = ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml",
                 "prod-update-config.yml", "prod-rollback-config.yml", "v3.yml")
_NUMBERS = {  # a small equivalent of examples/numbers, used until that folder exists
    "docker-compose.yml": {"version": "3.7", "services": {
        "numbers-api": {"image": "diamol/ch08-numbers-api", "networks": ["app-net"]},
        "numbers-web": {"image": "diamol/ch08-numbers-web", "networks": ["app-net"],
                        "environment": ["RngApi__Url=http://numbers-api/rng"]}},
        "networks": {"app-net": {}}},
    "prod.yml": {"version": "3.7", "services": {
        "numbers-api": {"deploy": {"replicas": 6, "resources": {"limits": {"cpus": "0.50",
                                                                           "memory": "75M"}}}},
        "numbers-web": {"ports": [{"target": 80, "published": 80, "mode": "host"}],
                        "deploy": {"mode": "global", "resources": {"limits": {"cpus": "0.75",
                                                                              "memory": "150M"}}}}},
        "networks": {"app-net": {"name": "numbers-prod"}}},
    "prod-healthcheck.yml": {"version": "3.7", "services": {
        "numbers-api": {"healthcheck": {"test": ["CMD", "dotnet", "Utilities.HttpCheck.dll", "-u",
                                                 "http://localhost/health", "-t", "500"],
                                        "interval": "2s", "timeout": "3s", "retries": 2,
                                        "start_period": "5s"}},
        "numbers-web": {"healthcheck": {"interval": "20s", "timeout": "10s", "retries": 3,
                                        "start_period": "30s"}}}},
    "prod-update-config.yml": {"version": "3.7", "services": {"numbers-api": {"deploy": {
        "update_config": {"parallelism": 3, "monitor": "60s", "failure_action": "rollback",
                          "order": "start-first"}}}}},
    "prod-rollback-config.yml": {"version": "3.7", "services": {"numbers-api": {"deploy": {
        "rollback_config": {"parallelism": 6, "monitor": "0s", "failure_action": "continue",
                            "order": "start-first"}}}}},
    "v3.yml": {"version": "3.7", "services": {
        "numbers-api": {"image": "diamol/ch08-numbers-api:v3"},
        "numbers-web": {"image": "diamol/ch08-numbers-web:v3"}}},
}


def write_numbers(out: Path) -> list[Path]:
    """The numbers chain: the repository's example when present, else a small equivalent."""
    folder = out / "numbers"
    example = REPO / "examples" / "numbers"
    for name in NUMBERS_CHAIN:
        if (example / name).is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(example / name, folder / name)
        else:
            _write(folder / name, _dump(_NUMBERS[name]))
    return [folder / name for name in NUMBERS_CHAIN]


def generate_all(out: Path, sizes: tuple[int, ...] = SIZES, seed: int = 1) -> dict[str, Any]:
    """Write every layout; returns a manifest of the written paths."""
    manifest: dict[str, Any] = {"seed": seed, "chains": {}, "merged": {}}
    for n in sizes:
        manifest["chains"][str(n)] = [str(p) for p in write_chain(out, n, seed)]
        manifest["chains"][f"a{n}"] = [str(p) for p in write_anchored_chain(out, n, seed)]
    if 1000 in sizes:
        manifest["merged"]["1000"] = str(write_merged(out, 1000, seed))
    repo, listing = write_many(out, seed=seed)
    manifest["many"] = {"repo": str(repo), "stacks": listing}
    manifest["numbers"] = [str(p) for p in write_numbers(out)]
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    manifest = generate_all(args.out, tuple(args.sizes), args.seed)
    _write(args.out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
