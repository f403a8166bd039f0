"""The deploy history of a stack, kept in the swarm: one config object per revision.

Why a swarm config: it lives in the managers' raft store, so every manager reads the same
history and nothing on the deploying machine is needed; it is immutable, like a revision;
and `docker config ls` finds it by label. The config is NOT labelled with the stack's
namespace (`com.docker.stack.namespace`), so `docker stack rm` leaves the history in place
and `stacklint rollback` can bring a removed stack back. No service ever mounts it.

A revision is written once, when the deploy has ended, so its result is known: completed,
rolled back, paused, rollback paused, timed out, interrupted, not followed, failed. The
data (gzip'd JSON) holds the merged stack as deployed, the files, the time, the images
the services were given (with the digest when Docker resolved one) and the local image
IDs, and the content of every config (configs are not secret; secrets are never stored,
only a SHA-256 of their file).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacklint import dockercli

LABEL_STACK = "io.stacklint.history.stack"
LABEL_REVISION = "io.stacklint.history.revision"
LABEL_RESULT = "io.stacklint.history.result"
LABEL_TIME = "io.stacklint.history.time"
KEEP = 20            # revisions kept per stack; older ones are removed after a deploy
_MAX_NAME = 64       # swarmkit's limit for a config name
RESULTS = {0: "completed", 4: "rolled back", 5: "paused", 6: "timed out", 7: "unschedulable",
           130: "interrupted", 143: "interrupted"}


class HistoryError(dockercli.DeployError):
    """No such stack history or revision (exit 2)."""


@dataclass
class Revision:
    stack: str
    number: int
    time: str
    result: str
    files: list[str] = field(default_factory=list)
    text: str = ""                                     # the stack as deployed
    images: dict[str, str] = field(default_factory=dict)      # service -> spec image
    image_ids: dict[str, str] = field(default_factory=dict)   # service -> local image ID
    configs: dict[str, str] = field(default_factory=dict)     # config key -> base64 content
    secrets: dict[str, str] = field(default_factory=dict)     # secret key -> sha256 of file
    rollback_of: int | None = None
    config_id: str = ""

    def payload(self) -> bytes:
        data = {k: v for k, v in self.__dict__.items() if k != "config_id"}
        return gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0)


def config_name(stack: str, number: int) -> str:
    name = f"stacklint-history.{stack}.{number}"
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha256(stack.encode()).hexdigest()[:16]
    return f"stacklint-history.{digest}.{number}"


def _configs(docker: str, stack: str) -> list[dict[str, Any]]:
    rows = dockercli.query_lines(docker, ["config", "ls", "--format", "{{json .}}", "--filter",
                                       f"label={LABEL_STACK}={stack}"])
    if not rows:
        return []
    found = dockercli.query_json(docker, ["config", "inspect", *[r["ID"] for r in rows]]) or []
    # a label filter matches on the key alone when the value has an '=': check it exactly
    return [c for c in found if (c["Spec"].get("Labels") or {}).get(LABEL_STACK) == stack]


def revisions(docker: str, stack: str) -> list[Revision]:
    """Every recorded revision of `stack`, oldest first."""
    out = []
    for conf in _configs(docker, stack):
        try:
            data = json.loads(gzip.decompress(base64.b64decode(conf["Spec"]["Data"])))
        except (ValueError, OSError, KeyError):
            continue                                # not ours after all, or damaged
        known = {k: v for k, v in data.items() if k in Revision.__dataclass_fields__}
        out.append(Revision(**known, config_id=conf["ID"]))
    return sorted(out, key=lambda r: r.number)


def images_of(docker: str, stack: str, written: dict[str, str]) -> tuple[dict[str, str],
                                                                      dict[str, str]]:
    """The image each service was given by the last deploy, and its ID on this node.

    The spec's image carries the digest Docker resolved; after a rollback the spec is the
    old one again (swarmkit keeps no copy of the failed one), so the image as written counts.
    """
    full = [f"{stack}_{s}" for s in written]
    specs = dict(written)
    for svc in (dockercli.query_json(docker, ["service", "inspect", *full]) or []) if full else []:
        name = svc["Spec"]["Name"][len(stack) + 1:]
        image = svc["Spec"]["TaskTemplate"]["ContainerSpec"].get("Image", "")
        rolled = str((svc.get("UpdateStatus") or {}).get("State", "")).startswith("rollback")
        if not rolled and image.split("@", 1)[0] == written.get(name):
            specs[name] = image
    ids = {}
    for name, image in specs.items():
        proc = dockercli.run(docker, ["image", "inspect", "--format", "{{.Id}}", image])
        if proc.returncode == 0:
            ids[name] = proc.stdout.strip()
    return specs, ids


def file_objects(model: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Config contents (base64) and secret file hashes of the stack, by top-level key."""
    configs, secrets = {}, {}
    for key, entry in (model.get("configs") or {}).items():
        path = (entry or {}).get("file")
        if path and Path(path).is_file():
            configs[key] = base64.b64encode(Path(path).read_bytes()).decode()
    for key, entry in (model.get("secrets") or {}).items():
        path = (entry or {}).get("file")
        if path and Path(path).is_file():
            secrets[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return configs, secrets


def record(docker: str, revision: Revision) -> Revision:
    """Write `revision` as the next number of its stack; drop revisions beyond `KEEP`."""
    existing = revisions(docker, revision.stack)
    revision.number = (existing[-1].number if existing else 0) + 1
    for _attempt in range(5):                  # another deploy may take the number first
        name = config_name(revision.stack, revision.number)
        labels = {LABEL_STACK: revision.stack, LABEL_REVISION: str(revision.number),
                  LABEL_RESULT: revision.result, LABEL_TIME: revision.time}
        args = ["config", "create"]
        for key, value in labels.items():
            args += ["--label", f"{key}={value}"]
        proc = _create(docker, [*args, name, "-"], revision.payload())
        if proc.returncode == 0:
            revision.config_id = proc.stdout.strip()
            break
        if "already exists" not in proc.stderr and "AlreadyExists" not in proc.stderr:
            raise dockercli.unreachable_or(proc.stderr, "recording the deploy history failed")
        revision.number += 1
    for old in existing[:max(0, len(existing) + 1 - KEEP)]:
        dockercli.run(docker, ["config", "rm", old.config_id])
    return revision


def _create(docker: str, args: list[str], data: bytes) -> Any:
    import subprocess

    try:
        proc = subprocess.run([docker, *args], input=data, capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise dockercli.DeployError(f"recording the deploy history failed: {exc}") from None
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode(errors="replace"),
                                       proc.stderr.decode(errors="replace"))


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def pick(revs: list[Revision], stack: str, number: int | None) -> Revision:
    """Revision `number`, or the newest completed one older than the newest revision."""
    if not revs:
        raise HistoryError(f"stack {stack!r} has no deploy history on this swarm",
                           hint="`stacklint history` lists what `stacklint deploy` recorded; "
                                "check the stack name (`docker stack ls`)")
    if number is not None:
        for rev in revs:
            if rev.number == number:
                return rev
        raise HistoryError(f"stack {stack!r} has no revision {number} (revisions "
                           f"{revs[0].number}..{revs[-1].number})",
                           hint=f"`stacklint history {stack}` lists them")
    for rev in reversed(revs[:-1]):
        if rev.result == "completed":
            return rev
    raise HistoryError(f"stack {stack!r} has no completed revision before revision "
                       f"{revs[-1].number}",
                       hint=f"choose one with --to N (`stacklint history {stack}` lists them)")


def rollback_stack(docker: str, rev: Revision, workdir: Path) -> tuple[str, list[str]]:
    """The stack text that brings `rev` back without its original files, and notes.

    Images are pinned to the digest the revision ran when Docker had resolved one. A config
    or secret that still exists in the swarm under its name is used as an external object
    (its content cannot have changed: Docker refuses that), so no file is read; a config
    that is gone is written back from the revision into `workdir`; a secret that is gone
    needs its file, unchanged (its SHA-256 was recorded).
    """
    import yaml

    from stacklint.deploy import specconvert

    model = yaml.safe_load(rev.text) or {}
    notes = []
    for name, svc in (model.get("services") or {}).items():
        pinned = rev.images.get(name, "")
        if "@" in pinned and svc.get("image") != pinned:
            svc["image"] = pinned
    new_names = _version(model.get("version")) >= (3, 5)
    for kind in ("configs", "secrets"):
        existing = {r["Name"] for r in dockercli.query_lines(
            docker, [kind[:-1], "ls", "--format", "{{json .}}"])}
        for key, entry in (model.get(kind) or {}).items():
            entry = entry or {}
            if entry.get("external"):
                continue
            full = specconvert.scoped(rev.stack, key, entry)
            if full in existing:
                model[kind][key] = ({"external": True, "name": full} if new_names
                                    else {"external": {"name": full}})
            elif kind == "configs" and key in rev.configs:
                path = workdir / f"config-{key}"
                path.write_bytes(base64.b64decode(rev.configs[key]))
                entry["file"] = str(path)
                notes.append(f"config {full} is gone from the swarm: created again from "
                             f"revision {rev.number}")
            else:
                _check_file(rev, kind, key, full, entry)
    for name, image_id in rev.image_ids.items():
        image = (model.get("services") or {}).get(name, {}).get("image", "")
        proc = dockercli.run(docker, ["image", "inspect", "--format", "{{.Id}}", image])
        if proc.returncode == 0 and proc.stdout.strip() != image_id:
            notes.append(f"{name}: {image} is another image on this node ({proc.stdout.strip()[:19]}) "
                         f"than when revision {rev.number} ran ({image_id[:19]})")
    return yaml.safe_dump(model, sort_keys=False), notes


def _check_file(rev: Revision, kind: str, key: str, full: str, entry: dict[str, Any]) -> None:
    path = Path(str(entry.get("file") or ""))
    recorded = rev.secrets.get(key) if kind == "secrets" else None
    if not path.is_file():
        raise HistoryError(f"{kind[:-1]} {full} is gone from the swarm and its file {path} is "
                           f"missing: revision {rev.number} cannot be deployed again",
                           hint=f"create it (`docker {kind[:-1]} create {full} FILE`) with the "
                                f"content revision {rev.number} used, then run rollback again")
    if recorded and hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
        raise HistoryError(f"{kind[:-1]} {full} is gone from the swarm and {path} is not the "
                           f"file revision {rev.number} used (its SHA-256 differs)",
                           hint=f"create it (`docker {kind[:-1]} create {full} FILE`) with the "
                                f"old content, then run rollback again")


def _version(text: Any) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(text or "3.13").split("."))
    except ValueError:
        return (3, 13)
