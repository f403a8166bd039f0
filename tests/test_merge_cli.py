"""`stacklint merge` end to end: output, -o, --annotate, --format json, errors."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from stacklint.cli import main
from stacklint.load.document import parse
from stacklint.tree import plain
from tests import dockerdiff as dd

EXAMPLE = dd.REPO / "examples" / "numbers"
CHAIN = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
         "prod-rollback-config.yml", "v3.yml"]


def _args(*extra: str) -> list[str]:
    out = ["merge"]
    for name in CHAIN:
        out += ["-f", str(EXAMPLE / name)]
    return out + list(extra)


def test_example_merges(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args()) == 0
    data = plain(parse(capsys.readouterr().out).data)
    api = data["services"]["numbers-api"]
    assert api["image"] == "diamol/ch08-numbers-api:v3"
    assert api["deploy"]["update_config"]["order"] == "start-first"
    assert api["deploy"]["resources"]["limits"]["memory"] == "78643200"


def test_annotate_names_the_file_of_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args("--annotate")) == 0
    lines = capsys.readouterr().out.splitlines()
    pattern = re.compile(r".*  # (\S+):(\d+)$")
    assert all(pattern.match(line) for line in lines)
    image = next(line for line in lines if "numbers-api:v3" in line)
    path, number = pattern.match(image).groups()  # type: ignore[union-attr]
    assert path.endswith("v3.yml")
    assert "numbers-api:v3" in Path(path).read_text().splitlines()[int(number) - 1]


def test_output_file_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "stack.yml"
    assert main(_args("-o", str(target))) == 0
    assert capsys.readouterr().out == ""
    yaml_data = plain(parse(target.read_text()).data)
    assert main(_args("--format", "json")) == 0
    assert json.loads(capsys.readouterr().out) == yaml_data


def test_errors_exit_1_with_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yml").write_text('version: "3.7"\nservices:\n  web:\n    image: x\n')
    (tmp_path / "b.yml").write_text('version: "3.8"\nservices:\n  web:\n    image: y\n')
    assert main(["merge", "-f", str(tmp_path / "a.yml"), "-f", str(tmp_path / "b.yml")]) == 1
    out, err = capsys.readouterr()
    assert out == ""                     # no stack printed that Docker would refuse
    assert f"{tmp_path / 'b.yml'}:1:1: error [SL003 invalid-input] version mismatched" in err
    assert "Traceback" not in err
    assert main(["merge", "-f", str(tmp_path / "missing.yml")]) == 2
    assert "missing.yml: error: cannot read file" in capsys.readouterr().err


def test_unset_variable_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STACKLINT_TEST_TAG", raising=False)
    (tmp_path / "a.yml").write_text("services:\n  web:\n    image: nginx:${STACKLINT_TEST_TAG}\n")
    main(["merge", "--no-validate", "-f", str(tmp_path / "a.yml")])
    captured = capsys.readouterr()
    assert "a.yml:3:12: warning [SL050 unset-variable] variable \"STACKLINT_TEST_TAG\" is not set" \
        in captured.err
    assert plain(parse(captured.out).data)["services"]["web"]["image"] == "nginx:"


@pytest.mark.docker   # docker stack config reads the output back
def test_dollar_is_escaped_and_docker_reads_it_back(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yml").write_text(
        'services:\n  web:\n    image: nginx:1.27\n    environment:\n      P: "5$$"\n')
    assert main(["merge", "--no-validate", "-f", str(tmp_path / "a.yml")]) == 0
    out = capsys.readouterr().out
    assert plain(parse(out).data)["services"]["web"]["environment"] == {"P": "5$$"}
    if dd.DOCKER:
        (tmp_path / "out.yml").write_text(out)
        proc = subprocess.run([dd.DOCKER, "stack", "config", "-c", "out.yml"], cwd=tmp_path,
                              capture_output=True, text=True, env={"HOME": str(tmp_path)})
        assert proc.returncode == 0 and "P: 5$" in proc.stdout


def test_annotated_output_reads_back_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args()) == 0
    plain_text = capsys.readouterr().out
    assert main(_args("--annotate")) == 0
    assert plain(parse(capsys.readouterr().out).data) == plain(parse(plain_text).data)


def test_version_raised_for_long_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = dd.FIXTURES / "34-external-name-old-version"
    assert main(["merge", "--no-validate", "-f", str(folder / "1.yml")]) == 0
    assert plain(parse(capsys.readouterr().out).data)["version"] == "3.5"


def test_example_passes_the_rollout_rules(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check"]
    for name in CHAIN:
        args += ["-f", str(EXAMPLE / name)]
    assert main(args) == 0, capsys.readouterr().out
    without_rollback = ["check"]
    for name in CHAIN:
        if name != "prod-rollback-config.yml":
            without_rollback += ["-f", str(EXAMPLE / name)]
    assert main(without_rollback) != 0        # the rules do look at the chain
