"""One preflight run, for `stacklint preflight` and `stacklint deploy`: read the swarm the
CLI names, check the stack against it, configure and locate the findings."""
from __future__ import annotations

from typing import TYPE_CHECKING

from stacklint.model import Finding

if TYPE_CHECKING:
    from stacklint.deploy.gate import GateOutcome
    from stacklint.lint.config import Config


def preflight_findings(docker: str, outcome: GateOutcome, stack: str,
                       config: Config) -> list[Finding]:
    """SL8xx findings of the gate's stack against the live swarm (sorted, configured)."""
    from stacklint.cluster import preflight, state
    from stacklint.lint.pipeline import apply_config

    swarm = state.read(docker)
    loaded = outcome.stack
    assert loaded is not None                # the gate loads the stack before any verdict
    model = loaded.model
    top = loaded.layers[0].document.path if loaded.layers else "-"
    found = preflight.check(model, stack, swarm, config.ruleset(), top)
    return sorted(apply_config(outcome.relocated(found), config), key=Finding.sort_key)


# deploy checks unfinished updates itself after the preflight (and --force overrides it)
LEFT_TO_DEPLOY = ("SL822",)


def refuses(outcome: GateOutcome, stack: str, config_path: str | None, fail_on: str | None) -> bool:
    """`stacklint deploy`'s preflight: print the findings; True when they block the deploy."""
    import sys

    from stacklint import dockercli
    from stacklint.lint.config import load_config
    from stacklint.reporters.text import format_finding

    config = load_config(config_path).with_fail_on(fail_on)
    findings = [f for f in preflight_findings(dockercli.docker_cli(), outcome, stack, config)
                if f.rule_id not in LEFT_TO_DEPLOY]
    for finding in findings:
        print(format_finding(finding), file=sys.stdout)
    blocking = [f for f in findings if f.severity >= config.fail_on]
    if blocking:
        print(f"stacklint: deploy refused by the preflight: {len(blocking)} finding(s) at or "
              f"above {config.fail_on} about the swarm; nothing was deployed (--skip-preflight "
              "deploys anyway)", file=sys.stderr)
    return bool(blocking)
