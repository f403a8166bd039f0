"""SL730: the `name: <project>_<key>` of Compose's output goes; a name a person wrote stays."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from stacklint.load import composeproject, document
from stacklint.fix.fixes import FixContext
from stacklint.fix.fixes import project_names
from stacklint.resources import rules_dir
from tests import composediff as cd

OUTPUT = """\
name: shop
services:
  web:
    image: nginx:1.27
    networks:
      default: null
      edge: null
    volumes:
      - type: volume
        source: data
        target: /data
        volume: {}
    secrets:
      - source: token
        target: /run/secrets/token
networks:
  default:
    name: shop_default
  edge:
    name: edge-net        # a name a person gave it
  outside:
    name: outside
    external: true
volumes:
  data:
    name: shop_data
    driver: local
  cache: {name: shop_cache}
secrets:
  token:
    name: shop_token
    file: /run/token.txt
"""


def _fix(run_cli, path: Path, *extra: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("fix", *extra, str(path))
    return code, out + err


def test_compose_names_removed_user_names_kept(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stack.yml"
    path.write_text(OUTPUT)
    code, out = _fix(run_cli, path)
    assert code == 0, out
    text = path.read_text()
    assert "shop_" not in text
    assert "name: edge-net        # a name a person gave it" in text
    assert "name: outside\n    external: true" in text
    assert "  default:\n  edge:" in text            # the entry stays (null = defaults)
    assert "cache: {}" in text
    fixed = yaml.safe_load(text)
    assert fixed["volumes"]["data"] == {"driver": "local"}
    assert fixed["secrets"]["token"] == {"file": "/run/token.txt"}
    line = next(x for x in out.splitlines() if "volumes.data.name" in x)
    assert line.startswith(f"{path}:26:5: fixed [SL730 compose-project-name]")
    assert "project `shop` (the top-level `name:`)" in line and "STACK_data" in line
    assert "an empty one" in line
    assert _fix(run_cli, path, "--check")[0] == 0       # nothing left to do


def test_no_toplevel_name_is_reported_not_guessed(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "Shop"                      # Compose's project: `shop`
    folder.mkdir()
    path = folder / "stack.yml"
    text = "\n".join(OUTPUT.splitlines()[1:]) + "\n"
    path.write_text(text)
    code, out = _fix(run_cli, path)
    assert code == 1
    assert path.read_text().count("name: shop_") == 4          # every line left as it was
    line = next(x for x in out.splitlines() if "volumes.data.name" in x)
    assert line.startswith(f"{path}:26:5: error [SL730 compose-project-name]")
    assert "project `shop` (the folder name `Shop`)" in line
    assert "removed, `docker stack deploy -c … STACK` uses the volume `STACK_data`" in line
    assert "kept, it uses `shop_data` under every stack name" in line
    assert "disable=SL730" in line
    assert "edge-net" not in out and "outside" not in out


def test_project_from_the_environment(tmp_path: Path, run_cli,  # type: ignore[no-untyped-def]
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stack.yml"
    path.write_text("services:\n  web:\n    image: nginx:1.27\n"
                    "volumes:\n  data:\n    name: billing_data\n")
    assert _fix(run_cli, path)[0] == 0              # `billing` is nobody's project here
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "billing")
    code, out = _fix(run_cli, path)
    assert code == 1 and "project `billing` ($COMPOSE_PROJECT_NAME)" in out


def test_a_source_file_with_name_is_not_taken_for_output(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stack.yml"
    text = ("name: shop\nservices:\n  web:\n    image: nginx:1.27\n"
            "volumes:\n  data:\n    name: shop_data\n  logs: {}\n")
    path.write_text(text)
    code, out = _fix(run_cli, path)
    assert code == 1
    assert "not every network, volume, config and secret here has a `name:`" in out
    assert "    name: shop_data\n" in path.read_text()


def test_a_suppression_keeps_the_name(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "stack.yml"
    path.write_text("services:\n  web:\n    image: nginx:1.27\nvolumes:\n  data:\n"
                    f"    name: shop_data  {project_names.KEEP}\n")
    code, out = _fix(run_cli, path)
    assert code == 0, out


def test_later_passes_still_know_the_removed_project() -> None:
    """SL701 removes the top-level `name` in the first pass; the project stays known."""
    first = document.parse(OUTPUT, "/x/stack.yml")
    later = document.parse("\n".join(OUTPUT.splitlines()[1:]) + "\n", "/x/stack.yml")
    found = list(project_names.propose(FixContext(later, [later], first)))
    assert {p.pointer for p in found} == {("networks", "default", "name"),
                                          ("volumes", "data", "name"),
                                          ("volumes", "cache", "name"),
                                          ("secrets", "token", "name")}
    assert all(p.edits and p.manual is None for p in found)


def test_the_rule_docs_example_is_fixed_to_use_instead(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    docs = yaml.safe_load((rules_dir() / "SL730-compose-project-name.yaml").read_text())["docs"]
    path = tmp_path / "stack.yml"
    path.write_text(docs["example"])
    assert _fix(run_cli, path)[0] == 0
    lines = [x for x in path.read_text().splitlines() if not x.startswith("version:")]
    assert lines == docs["use_instead"].splitlines()


@pytest.mark.parametrize("folder,want", [("My.App Näme-x", "myappnme-x"), ("UPPER", "upper"),
                                          ("__x-1_", "x-1_"), ("a b", "ab")])
def test_folder_names_normalised_as_compose_does(folder: str, want: str, tmp_path: Path) -> None:
    assert composeproject.normalise(folder) == want
    if cd.COMPOSE is None:
        return                       # the rule itself is checked above; Compose confirms it
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "c.yml").write_text("services:\n  web:\n    image: nginx\n")
    done = subprocess.run([str(cd.COMPOSE), "-f", "c.yml", "config"], cwd=tmp_path / folder,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.stdout.splitlines()[0] == f"name: {want}", done.stderr


def test_escaped_keys_of_compose_output_get_one_dollar(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stack.yml"
    path.write_text("name: shop\nservices:\n  web:\n    image: nginx:1.27\n    labels:\n"
                    "      cost-$$$$: low\n      \"a.$${R}.rule\": x\n"
                    "    environment:\n      PRICE: $$5\n")
    code, out = _fix(run_cli, path)
    assert code == 0, out
    labels = yaml.safe_load(path.read_text())["services"]["web"]["labels"]
    assert labels == {"cost-$$": "low", "a.${R}.rule": "x"}     # once, not to a fixpoint
    assert "PRICE: $$5" in path.read_text()                     # values stack deploy unescapes
    assert f"{path}:6:7: fixed [SL731 compose-escaped-key]" in out


def test_escaped_keys_of_a_person_stay(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stack.yml"
    text = "services:\n  web:\n    image: nginx:1.27\n    labels:\n      cost-$$: low\n"
    path.write_text(text)
    code, out = _fix(run_cli, path)
    assert "SL731" not in out and "cost-$$: low" in path.read_text()
