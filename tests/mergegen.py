"""Random compose chains for differential tests (valid-ish, with merge collisions)."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

_R = random.Random(0)


def pick(*xs: Any) -> Any: return _R.choice(xs)
def maybe(p: float = 0.5) -> bool: return _R.random() < p
def port() -> Any:
    return pick(80, "8080:80", "8080:81", "53:53/udp", "53:53/tcp", "90", "9000-9001:9000-9001", "127.0.0.1:7000:70",
                "[::1]:7001:71", "0.0.0.0:7002:72", "8000-8001:82", "${P:-9090}:80", "99-101:99-101",
                {"target": 80, "published": 8080}, {"target": 81, "published": 8080, "mode": "host"}, {"target": 82})
def vol() -> Any:
    return pick("data:/data", "./x:/data", "/abs:/abs:ro", "~/h:/h", "/anon", "data:/other:nocopy",
                {"type": "bind", "source": "./y", "target": "/data"}, {"type": "tmpfs", "target": "/t", "tmpfs": {"size": 1000}})
def environment() -> Any:
    if maybe(): return [pick("A=1", "B", "C=", "D=x=y", "A=2") for _ in range(_R.randint(0, 3))]
    return {k: pick("1", None, "", 2, 1.5, "v", "${B}", "$$x", "${U:-d}", "$B-x", "${U-}")
            for k in _R.sample(["A", "B", "C", "D"], _R.randint(0, 3))}
def labels() -> Any:
    if maybe(): return [pick("a=1", "b", "c=", "a=2") for _ in range(_R.randint(0, 3))]
    return {k: pick("1", None, "", "v") for k in _R.sample(["a", "b", "c"], _R.randint(0, 3))}
def dur() -> Any: return pick("10s", "0s", "1m", "90s", "1h2m", "100ms", "1.5s", "2h", "1m0.5s")
def service() -> Any:
    s = {}
    if maybe(): s["image"] = pick("nginx", "nginx:1", "", "redis:7", "nginx:${TAG:-1.2}")
    if maybe(0.3): s["ports"] = [port() for _ in range(_R.randint(0, 3))]
    if maybe(0.3): s["volumes"] = [vol() for _ in range(_R.randint(0, 3))]
    if maybe(0.3): s["environment"] = environment()
    if maybe(0.3): s["labels"] = labels()
    if maybe(0.3): s["command"] = pick("a b 'c d'", ["x", "y"], [], "", "sh -c \"echo \\\"$$HOME\\\" # x\"",
                                       "a#b c\\ d", ["$$1", "${B}"])
    if maybe(0.2): s["entrypoint"] = pick("sh -c", ["a"], [])
    if maybe(0.3): s["healthcheck"] = {k: v for k, v in [("test", pick(["CMD", "a"], "curl x", ["NONE"])), ("interval", dur()), ("retries", pick(0, 3)), ("disable", pick(True, False))] if maybe()}
    if maybe(0.3): s["deploy"] = {k: v for k, v in [("replicas", pick(0, 2)), ("mode", pick("global", "replicated", "")),
        ("update_config", {k2: v2 for k2, v2 in [("parallelism", pick(0, 1)), ("delay", dur()), ("order", pick("start-first", "")), ("monitor", dur())] if maybe()}),
        ("resources", {"limits": {k2: v2 for k2, v2 in [("cpus", pick("0.5", "1")), ("memory", pick("50M", "1G", "0", "1.5g", "100", "64kb", "2048K"))] if maybe()}}),
        ("labels", labels()), ("placement", {"constraints": [pick("a==b", "c==d")]}),
        ("restart_policy", {k2: v2 for k2, v2 in [("condition", pick("any", "")), ("max_attempts", pick(0, 3)), ("window", dur())] if maybe()})] if maybe()}
    if maybe(0.2): s["networks"] = pick(["front"], ["front", "back"], {"front": None}, {"front": {"aliases": ["a"]}}, {"back": {"aliases": []}}, {"front": {"ipv4_address": "10.0.0.2"}})
    if maybe(0.2): s["secrets"] = [pick("s1", "s2", {"source": "s1", "target": "t"}, {"source": "s2", "mode": 0o400}) for _ in range(_R.randint(0, 2))]
    if maybe(0.2): s["dns"] = pick("8.8.8.8", ["1.1.1.1", "8.8.8.8"])
    if maybe(0.2): s["extra_hosts"] = pick(["a:1.2.3.4", "b=1.2.3.5"], {"c": "1.2.3.6", "a": "1.2.3.4"})
    if maybe(0.2): s["ulimits"] = {k: pick(100, {"soft": 1, "hard": 2}) for k in _R.sample(["nofile", "nproc"], _R.randint(1, 2))}
    if maybe(0.2): s["logging"] = {k: v for k, v in [("driver", pick("json-file", "syslog")), ("options", {pick("a", "b"): pick("1", "2")})] if maybe()}
    for k in ("read_only", "tty", "init", "privileged"):
        if maybe(0.1): s[k] = pick(True, False)
    for k in ("user", "hostname", "working_dir", "stop_grace_period"):
        if maybe(0.1): s[k] = pick("", "x", "1000") if k != "stop_grace_period" else dur()
    if maybe(0.1): s["ulimits"] = {"core": pick(0, 1, {"soft": 0, "hard": 0})}
    if maybe(0.1): s["extra_hosts"] = pick(["v6:::1"], {"v6": "[fe80::1]"}, ["x=[::2]"])
    if maybe(0.1): s["x-m"] = {pick("a", "b"): pick(1, [1], "", None, {"c": [2]}, {"c": 3})}
    if maybe(0.1): s["configs"] = [pick("c1", {"source": "c1", "target": "/c"}, {"source": "c2", "uid": "1"})]
    if maybe(0.1): s["tmpfs"] = pick("/run", ["/tmp", "/run"])
    if maybe(0.1): s["build"] = pick("./dir", {"context": ".", "args": pick(["A=1", "B"], {"A": 2})})
    if maybe(0.1): s["stop_signal"] = pick("SIGTERM", "")
    if maybe(0.1): s["devices"] = [pick("/dev/a:/dev/a", "/dev/b")]
    if maybe(0.1): s["sysctls"] = labels()
    if maybe(0.1): s["expose"] = [pick(80, "81")]
    if maybe(0.1): s["cap_add"] = [pick("A", "B")]
    return s
def top() -> Any:
    t = {}
    if maybe(0.4): t["networks"] = {k: pick(None, {"driver": "overlay"}, {"external": True}, {"external": {"name": "ext"}}, {"name": "nm", "labels": ["a=b"]}) for k in _R.sample(["front", "back"], _R.randint(1, 2))}
    if maybe(0.3): t["volumes"] = {"data": pick(None, {"driver": "local"}, {"external": True}, {"name": "d"})}
    if maybe(0.3): t["secrets"] = {k: pick({"file": "./s.txt"}, {"external": True}, {"name": "x", "file": "s.txt"}) for k in ["s1", "s2"]}
    if maybe(0.2): t[pick("x-a", "x-b")] = {"k": 1}
    if maybe(0.2): t["configs"] = {k: pick({"file": "./c.txt"}, {"external": True, "name": "cx"}) for k in ["c1", "c2"]}
    return t
def doc() -> Any:
    d = {"version": "3.8", "services": {n: service() for n in _R.sample(["web", "api", "db"], _R.randint(1, 2))}}
    d.update(top())
    return d


def deployable(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chain made deployable: images, defined networks/secrets/configs, no conflicts."""
    first = docs[0]
    for doc in docs:
        for name, body in doc["services"].items():
            body.pop("image", None)
            body.get("healthcheck", {}).pop("disable", None)
            body.get("deploy", {}).pop("mode", None)
            first["services"].setdefault(name, {})
        for kind in ("networks", "volumes", "secrets", "configs"):
            doc.pop(kind, None)
    for body in first["services"].values():
        body["image"] = "nginx:1.27"
    first["networks"] = {"front": {}, "back": {}}
    first["volumes"] = {"data": {}}
    first["secrets"] = {"s1": {"file": "./s.txt"}, "s2": {"file": "./s.txt"}}
    first["configs"] = {"c1": {"file": "./c.txt"}, "c2": {"file": "./c.txt"}}
    return docs


def write_chains(root: Path, count: int, seed: int, deploy: bool = False) -> list[Path]:
    """`count` folders of 1-3 files `1.yml …` under `root`, the same for the same seed."""
    _R.seed(seed)
    folders = []
    for index in range(count):
        folder = root / f"random-{seed}-{index:03d}"
        folder.mkdir(parents=True)
        docs = [doc() for _ in range(_R.randint(1, 3))]
        for number, data in enumerate(deployable(docs) if deploy else docs, 1):
            (folder / f"{number}.yml").write_text(json.dumps(data, indent=1))
        if deploy:
            (folder / "s.txt").write_text("secret\n")
            (folder / "c.txt").write_text("config\n")
        folders.append(folder)
    return folders
