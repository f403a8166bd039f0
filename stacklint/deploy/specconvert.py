"""A merged stack as the service specs `docker stack deploy` sends (docker/cli `cli/compose/convert`).

The output has the shape of `docker service inspect`'s `Spec` (Go field names, durations
in nanoseconds), so `plan` can compare it with what runs. Only what the CLI sends is
built here; what the engine fills in (defaults, network IDs) is `plan`'s normalisation.
Checked against the real engine: deploying a stack and planning it again says "no change"
for every service (tests/test_plan_swarm.py).
"""
from __future__ import annotations

from typing import Any

from stacklint import gotypes

NAMESPACE_LABEL = "com.docker.stack.namespace"
IMAGE_LABEL = "com.docker.stack.image"      # the CLI's record of the image as written
_RESTART = {"always": "any", "unless-stopped": "any", "on-failure": "on-failure", "no": "none"}


def scoped(stack: str, name: str, entry: Any) -> str:
    """The engine-side name of a network, volume, config or secret of the stack."""
    entry = entry if isinstance(entry, dict) else {}
    if entry.get("name"):
        return str(entry["name"])
    external = entry.get("external")
    if isinstance(external, dict) and external.get("name"):
        return str(external["name"])
    if external:
        return name
    return f"{stack}_{name}"


def _ns(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return gotypes.parse_duration(str(value))


def _bytes(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return gotypes.parse_bytes(str(value))


def _words(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return gotypes.shell_split(value)
    return [str(v) for v in value]


def _labels(stack: str, labels: Any) -> dict[str, str]:
    out = {str(k): "" if v is None else str(v) for k, v in (labels or {}).items()}
    out[NAMESPACE_LABEL] = stack
    return out


def service_spec(stack: str, name: str, svc: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """The `Spec` of service `name` as `docker stack deploy` submits it."""
    deploy = svc.get("deploy") or {}
    image = str(svc.get("image") or "")
    labels = _labels(stack, deploy.get("labels"))
    labels[IMAGE_LABEL] = image
    spec: dict[str, Any] = {
        "Name": f"{stack}_{name}",
        "Labels": labels,
        "TaskTemplate": _task_template(stack, name, svc, top),
        "Mode": _mode(deploy),
        "UpdateConfig": _update_config(deploy.get("update_config")),
        "RollbackConfig": _update_config(deploy.get("rollback_config")),
        "EndpointSpec": _endpoint(deploy, svc.get("ports") or []),
    }
    return spec


def _task_template(stack: str, name: str, svc: dict[str, Any],
                   top: dict[str, Any]) -> dict[str, Any]:
    deploy = svc.get("deploy") or {}
    container: dict[str, Any] = {
        "Image": str(svc.get("image") or ""),
        "Labels": _labels(stack, svc.get("labels")),
        "Command": _words(svc.get("entrypoint")),
        "Args": _words(svc.get("command")),
        "Hostname": svc.get("hostname"),
        "Env": _env(svc.get("environment")),
        "Dir": svc.get("working_dir"),
        "User": svc.get("user"),
        "Groups": svc.get("group_add"),
        "StopSignal": svc.get("stop_signal"),
        "StopGracePeriod": _ns(svc.get("stop_grace_period")),
        "TTY": svc.get("tty"),
        "OpenStdin": svc.get("stdin_open"),
        "ReadOnly": svc.get("read_only"),
        "Mounts": [_mount(stack, v, top.get("volumes") or {}) for v in svc.get("volumes") or []],
        "Healthcheck": _healthcheck(svc.get("healthcheck")),
        "Hosts": _hosts(svc.get("extra_hosts")),
        "DNSConfig": {"Nameservers": _list(svc.get("dns")), "Search": _list(svc.get("dns_search")),
                      "Options": _list(svc.get("dns_opt"))},
        "Secrets": [_file_ref(stack, r, top.get("secrets") or {}, "Secret", "")
                    for r in svc.get("secrets") or []],
        "Configs": [_file_ref(stack, r, top.get("configs") or {}, "Config", "/")
                    for r in svc.get("configs") or []],
        "Isolation": svc.get("isolation"),
        "Init": svc.get("init"),
        "Sysctls": {str(k): str(v) for k, v in (svc.get("sysctls") or {}).items()},
        "CapabilityAdd": _caps(svc.get("cap_add")),
        "CapabilityDrop": _caps(svc.get("cap_drop")),
        "Ulimits": _ulimits(svc.get("ulimits")),
    }
    logging = svc.get("logging") or {}
    return {
        "ContainerSpec": container,
        "Resources": _resources(deploy.get("resources") or {}),
        "RestartPolicy": _restart(deploy.get("restart_policy"), svc.get("restart")),
        "Placement": _placement(deploy.get("placement") or {}),
        "Networks": _networks(stack, name, svc.get("networks"), top.get("networks") or {}),
        "LogDriver": ({"Name": logging.get("driver"), "Options": logging.get("options")}
                      if logging.get("driver") else None),
    }


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


def _env(env: Any) -> list[str] | None:
    if not env:
        return None
    if isinstance(env, list):
        return sorted(str(e) for e in env)
    return sorted(str(k) if v is None else f"{k}={v}" for k, v in env.items())


def _hosts(hosts: Any) -> list[str] | None:
    if not hosts:
        return None
    pairs = hosts.items() if isinstance(hosts, dict) else (
        _split_host(str(h)) for h in hosts)
    return [f"{ip} {host}" for host, ip in pairs]


def _split_host(text: str) -> tuple[str, str]:
    sep = "=" if "=" in text else ":"
    host, _, ip = text.partition(sep)
    return host, ip


def _caps(caps: Any) -> list[str] | None:
    if not caps:
        return None
    return [c if c.upper() == "ALL" or c.upper().startswith("CAP_") else "CAP_" + c.upper()
            for c in map(str, caps)]


def _ulimits(ulimits: Any) -> list[dict[str, Any]] | None:
    if not ulimits:
        return None
    out = []
    for name in sorted(ulimits):
        value = ulimits[name]
        soft, hard = ((value.get("soft"), value.get("hard")) if isinstance(value, dict)
                      else (value, value))
        out.append({"Name": name, "Hard": int(hard or 0), "Soft": int(soft or 0)})
    return out


def _healthcheck(check: Any) -> dict[str, Any] | None:
    if not check:
        return None
    if check.get("disable"):
        return {"Test": ["NONE"]}
    test = check.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    return {"Test": test, "Interval": _ns(check.get("interval")),
            "Timeout": _ns(check.get("timeout")), "StartPeriod": _ns(check.get("start_period")),
            "StartInterval": _ns(check.get("start_interval")), "Retries": check.get("retries")}


def _mount(stack: str, vol: Any, volumes: dict[str, Any]) -> dict[str, Any]:
    if isinstance(vol, str):            # the merge writes the long form; be lenient anyway
        spec = gotypes.parse_volume(vol)
        vol = {"type": spec.type, "source": spec.source, "target": spec.target,
               "read_only": spec.read_only}
    kind = vol.get("type") or "volume"
    source = vol.get("source")
    mount: dict[str, Any] = {"Type": kind, "Source": source, "Target": vol.get("target"),
                             "ReadOnly": vol.get("read_only"),
                             "Consistency": vol.get("consistency")}
    if kind == "volume" and source:
        entry = volumes.get(source) or {}
        mount["Source"] = scoped(stack, source, entry)
        options: dict[str, Any] = {"NoCopy": (vol.get("volume") or {}).get("nocopy"),
                                   "Subpath": (vol.get("volume") or {}).get("subpath")}
        if not (entry or {}).get("external"):
            options["Labels"] = _labels(stack, entry.get("labels"))
            if entry.get("driver") or entry.get("driver_opts"):
                options["DriverConfig"] = {"Name": entry.get("driver"),
                                           "Options": entry.get("driver_opts")}
        mount["VolumeOptions"] = options
    elif kind == "volume":
        mount["VolumeOptions"] = {"NoCopy": (vol.get("volume") or {}).get("nocopy")}
    if kind == "bind":
        bind = vol.get("bind") or {}
        mount["BindOptions"] = {"Propagation": bind.get("propagation"),
                                "CreateMountpoint": bind.get("create_host_path")}
    if kind == "tmpfs":
        tmpfs = vol.get("tmpfs") or {}
        mount["TmpfsOptions"] = {"SizeBytes": _bytes(tmpfs.get("size")),
                                 "Mode": tmpfs.get("mode")}
    return mount


def _file_ref(stack: str, ref: Any, objects: dict[str, Any], kind: str,
              prefix: str) -> dict[str, Any]:
    ref = {"source": ref} if isinstance(ref, str) else ref
    source = str(ref.get("source"))
    target = ref.get("target") or source
    mode = ref.get("mode")
    return {"File": {"Name": target, "UID": str(ref.get("uid") or "0"),
                     "GID": str(ref.get("gid") or "0"),
                     "Mode": 0o444 if mode is None else int(mode)},
            f"{kind}Name": scoped(stack, source, objects.get(source))}


def _resources(res: dict[str, Any]) -> dict[str, Any]:
    def part(src: Any, pids: bool) -> dict[str, Any]:
        src = src or {}
        cpus = src.get("cpus")
        out = {"NanoCPUs": round(float(cpus) * 1e9) if cpus not in (None, "") else None,
               "MemoryBytes": _bytes(src.get("memory"))}
        if pids:
            out["Pids"] = src.get("pids")
        return out
    return {"Limits": part(res.get("limits"), True),
            "Reservations": part(res.get("reservations"), False)}


def _restart(policy: Any, restart: Any) -> dict[str, Any] | None:
    if policy:
        return {"Condition": policy.get("condition"), "Delay": _ns(policy.get("delay")),
                "MaxAttempts": policy.get("max_attempts"), "Window": _ns(policy.get("window"))}
    if restart:
        text = str(restart)
        condition = _RESTART.get(text.split(":", 1)[0], text)
        attempts = text.split(":", 1)[1] if ":" in text else None
        return {"Condition": condition, "MaxAttempts": int(attempts) if attempts else None}
    return None


def _placement(placement: dict[str, Any]) -> dict[str, Any]:
    return {"Constraints": placement.get("constraints"),
            "Preferences": [{"Spread": {"SpreadDescriptor": p.get("spread")}}
                            for p in placement.get("preferences") or []],
            "MaxReplicas": placement.get("max_replicas_per_node")}


def _networks(stack: str, name: str, nets: Any, top: dict[str, Any]) -> list[dict[str, Any]]:
    if not nets:
        nets = {"default": None}
    if isinstance(nets, list):
        nets = {n: None for n in nets}
    out = []
    for net, conf in nets.items():
        aliases = [str(a) for a in ((conf or {}).get("aliases") or [])]
        out.append({"Target": scoped(stack, net, top.get(net)), "Aliases": [*aliases, name]})
    return sorted(out, key=lambda n: n["Target"])


def _mode(deploy: dict[str, Any]) -> dict[str, Any]:
    mode = deploy.get("mode") or "replicated"
    replicas = deploy.get("replicas")
    if mode == "global":
        return {"Global": {}}
    if mode == "global-job":
        return {"GlobalJob": {}}
    if mode == "replicated-job":
        count = 1 if replicas is None else int(replicas)
        return {"ReplicatedJob": {"MaxConcurrent": count, "TotalCompletions": count}}
    return {"Replicated": {"Replicas": 1 if replicas is None else int(replicas)}}


def _update_config(conf: Any) -> dict[str, Any] | None:
    if not conf:
        return None
    parallelism = conf.get("parallelism")
    return {"Parallelism": 1 if parallelism is None else int(parallelism),
            "Delay": _ns(conf.get("delay")), "FailureAction": conf.get("failure_action"),
            "Monitor": _ns(conf.get("monitor")),
            "MaxFailureRatio": float(conf.get("max_failure_ratio") or 0),
            "Order": conf.get("order")}


def _endpoint(deploy: dict[str, Any], ports: list[Any]) -> dict[str, Any]:
    converted = []
    for port in ports:
        if isinstance(port, (str, int)):
            entries = gotypes.parse_port(str(port))
            converted += [{"Protocol": e.protocol, "TargetPort": e.target,
                           "PublishedPort": e.published, "PublishMode": "ingress"} for e in entries]
            continue
        converted.append({"Protocol": port.get("protocol") or "tcp",
                          "TargetPort": port.get("target"),
                          "PublishedPort": port.get("published"),
                          "PublishMode": port.get("mode") or "ingress"})
    mode = deploy.get("endpoint_mode")
    return {"Mode": str(mode).lower() if mode else None, "Ports": converted}
