"""`stacklint check`: merge, validate and lint stacks; report; exit 0/1/2/3."""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacklint.errors import EXIT_FINDINGS, EXIT_OK, ConfigError
from stacklint.model import Finding
from stacklint.reporters import add_format_option, chain_name

if TYPE_CHECKING:
    from stacklint.lint.config import Config

PARALLEL_FROM = 8          # below this many stacks a process pool costs more than it saves


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "check", help="check stacks against the rollout-safety rules",
        description="Merge each stack as `docker stack config` does, validate it and apply the "
                    "policy rules. With -f the files form one override chain; positional FILES "
                    "are grouped into stacks; with neither, every stack of the config is checked.")
    parser.add_argument("-f", "--file", action="append", default=[], metavar="FILE",
                        help="a file of the override chain, in merge order (repeatable)")
    parser.add_argument("files", nargs="*", metavar="FILES", help="stack files to group into stacks")
    add_format_option(parser)
    parser.add_argument("--fail-on", choices=("error", "warning", "info"),
                        help="lowest severity that fails the run (default: config, else warning)")
    parser.add_argument("--config", metavar="FILE", help="config file (default: nearest "
                        ".stacklint.yml or pyproject.toml [tool.stacklint])")
    parser.add_argument("--select", action="append", metavar="RULE",
                        help="check only these rules (id, name, group or glob; repeatable)")
    parser.add_argument("--ignore", action="append", metavar="RULE",
                        help="skip these rules (repeatable)")
    parser.add_argument("--env-file", action="append", default=[], metavar="FILE",
                        help="KEY=VALUE file for ${VAR} interpolation (repeatable)")
    parser.set_defaults(run=run)


def stack_specs(args: argparse.Namespace, config: Config,
                escaped: list[str] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(name, files) of every stack this run checks; discovered files that are symlinks
    out of the current folder go to `escaped` instead (never read)."""
    if args.file:
        specs = [(chain_name(args.file), tuple(args.file))]
        if args.files:
            specs += _discover(args.files, config, escaped)
        return specs
    if args.files:
        return _discover(args.files, config, escaped)
    from stacklint.load.discover import configured_stacks, discover_repo
    found = configured_stacks(config) if config.stacks else discover_repo(".", config, escaped)
    specs = [(s.name, tuple(s.files)) for s in found]
    if not specs and not escaped:
        raise ConfigError("nothing to check", hint="pass -f FILE…, or name stacks in .stacklint.yml "
                                                   "(stacks: {prod: [docker-compose.yml, prod.yml]})")
    return specs


def _discover(files: Sequence[str], config: Config,
              escaped: list[str] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    from stacklint.load.discover import discover_stacks
    return [(s.name, tuple(s.files))
            for s in discover_stacks(list(files), config, escaped=escaped)]


def _escaped_findings(escaped: list[str], config: Config) -> list[Finding]:
    """An SL003 finding per symlink out of the repository: the link is named, its target
    neither read nor shown."""
    from stacklint.model import Location
    return [config.ruleset().finding(
        "invalid-input", "a symlink to a file outside the repository: not read (stacklint "
        "never follows a link out of the folder it checks; pass the file with -f to check it)",
        Location(path, 1, 1)) for path in escaped]


def check_one(files: tuple[str, ...], config: Config, env_files: tuple[str, ...],
              split: bool = False) -> tuple[list[Finding], list[str]]:
    """Findings of one stack, and the errors of a stack that cannot be loaded.

    A stack whose files cannot be parsed, interpolated or merged is an SL003
    finding at the offending line (`reporters.input_finding`), so the run exits 1.
    Usage and config errors, and named files that do not exist or cannot be read,
    stay exit 2.  With `split`, a big stack is checked on two cores.
    """
    from stacklint.parallel import big
    from stacklint.errors import InputError, ReadError
    from stacklint.lint.pipeline import check_stack
    from stacklint.reporters import input_finding
    if split and big(files):
        from stacklint.parallel import split as _split
        found = _split.check(files, config, env_files)
        if found is not None:
            return found, []
    try:
        return check_stack(files, config, env_files=env_files).findings, []
    except ReadError:
        raise
    except InputError as exc:
        return [input_finding(exc, files[0], config.ruleset())], [str(exc)]


def _check_all(specs: list[tuple[str, tuple[str, ...]]], config: Config,
               env_files: tuple[str, ...]) -> tuple[list[Finding], list[str]]:
    if len(specs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        results = [check_one(files, config, env_files, split=True) for _, files in specs]
    else:
        from concurrent.futures import ProcessPoolExecutor
        workers = os.cpu_count() or 2
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(check_one, [f for _, f in specs], [config] * len(specs),
                                    [env_files] * len(specs),
                                    chunksize=max(1, len(specs) // (workers * 4))))
    seen: dict[tuple[Any, ...], Finding] = {}
    errors: list[str] = []
    for findings, failed in results:       # a file shared by two stacks reports once
        errors += [e for e in failed if e not in errors]
        for f in findings:
            seen.setdefault((f.rule_id, f.location.path, f.location.line, f.location.column,
                             f.message), f)
    return sorted(seen.values(), key=Finding.sort_key), errors


def _missing(specs: list[tuple[str, tuple[str, ...]]]) -> None:
    for _, files in specs:
        for path in files:
            if not os.path.isfile(path):
                raise ConfigError("file not found", path, hint="check the path, or the config's `stacks`")


def _grouping_notes(args: argparse.Namespace, specs: list[tuple[str, tuple[str, ...]]],
                    config: Config) -> list[str]:
    """Files that look like one chain but were checked apart, or were left out: say so once."""
    if not args.files:                     # -f names a chain; the config's stacks are grouped
        return []
    from stacklint.load import chainhint
    notes = [chainhint.skipped_note(args.files, specs, config.root),
             chainhint.apart_note(specs, config.root)]
    return [n for n in notes if n]


def run(args: argparse.Namespace) -> int:
    from stacklint.lint.config import load_config
    from stacklint.reporters import RunSummary, get_reporter, summary_line
    started = time.perf_counter()
    config = load_config(args.config).with_fail_on(args.fail_on)
    config = config.with_selection(args.select, args.ignore)
    escaped: list[str] = []
    specs = stack_specs(args, config, escaped)
    _missing(specs)
    findings, errors = _check_all(specs, config, tuple(args.env_file))
    if escaped:
        findings = sorted(findings + _escaped_findings(escaped, config), key=Finding.sort_key)
        errors += [f"{path}: error: a symlink to a file outside the repository: not read"
                   for path in escaped]
    summary = RunSummary(tuple(specs), time.perf_counter() - started, config.ruleset(),
                         config.fail_on)
    get_reporter(args.format).report(findings, summary, sys.stdout)
    sys.stdout.flush()
    for note in _grouping_notes(args, specs, config):
        print(note, file=sys.stderr)
    if args.format == "text":             # the SL003 findings above say what `errors` says
        print(summary_line(findings, summary), file=sys.stderr)
    else:                                  # `file:line:col: error: …` + hint for the person reading the log
        for error in errors:
            print(error, file=sys.stderr)
    if errors:
        return EXIT_FINDINGS
    failing = [f for f in findings if f.suppressed is None and f.severity >= config.fail_on]
    return EXIT_FINDINGS if failing else EXIT_OK
