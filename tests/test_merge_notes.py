"""Merge surprises are recorded as notes at the override's line."""
from __future__ import annotations

from stacklint.load.stack import Note, load_stack
from tests import dockerdiff as dd


def _notes(name: str, env: dict[str, str] | None = None) -> list[Note]:
    case = next(c for c in dd.numbered_cases(dd.FIXTURES) if c.name == name)
    return load_stack([str(case.folder / f) for f in case.files],
                      env=case.env if env is None else env).notes


def _where(note: Note) -> tuple[str, int]:
    assert note.origin is not None
    return note.origin.path.rsplit("/", 1)[-1], note.origin.line


def test_healthcheck_test_appended() -> None:
    notes = [n for n in _notes("11-healthcheck-merge") if n.kind == "healthcheck-test-appended"]
    assert [(_where(n), n.pointer) for n in notes] == [
        (("2.yml", 5), ("services", "api", "healthcheck", "test"))]


def test_ports_collapsed_at_the_colliding_entry() -> None:
    notes = [n for n in _notes("03-ports-keyed-by-published") if n.kind == "ports-collapsed"]
    where = sorted(_where(n) for n in notes)
    # web: "81" over "80" (both unpublished), 443/udp over 443/tcp; the override's own
    # 8080 entry is an ordinary replacement, and api is not in the override
    assert where == [("1.yml", 7), ("1.yml", 9)]
    assert all(n.pointer == ("services", "web", "ports") for n in notes)


def test_cross_file_port_protocol_change_is_noted(tmp_path) -> None:
    (tmp_path / "1.yml").write_text('services:\n  dns:\n    image: x\n    ports: ["53:53/tcp"]\n')
    (tmp_path / "2.yml").write_text('services:\n  dns:\n    ports:\n      - "53:53/udp"\n')
    stack = load_stack([str(tmp_path / "1.yml"), str(tmp_path / "2.yml")], env={})
    assert [_where(n) for n in stack.notes if n.kind == "ports-collapsed"] == [("2.yml", 4)]


def test_falsy_overrides_ignored() -> None:
    notes = [n for n in _notes("01-scalars-and-falsy-overrides") if n.kind == "falsy-override-ignored"]
    pointers = {n.pointer[-1] for n in notes}
    assert {"user", "read_only", "init", "delay"} <= pointers
    assert "replicas" not in pointers and "parallelism" not in pointers   # 0 does override
    env_notes = [n for n in _notes("06-environment-merge") if n.kind == "falsy-override-ignored"]
    assert {n.pointer[-1] for n in env_notes} == {"A", "C"}


def test_toplevel_entry_replaced_and_x_dropped() -> None:
    replaced = [n for n in _notes("13-toplevel-entries-replaced") if n.kind == "toplevel-entry-replaced"]
    assert sorted(n.pointer for n in replaced) == [("networks", "app"), ("volumes", "data")]
    assert all(_where(n)[0] == "2.yml" for n in replaced)
    dropped = [n for n in _notes("14-x-keys") if n.kind == "toplevel-x-dropped"]
    assert [(_where(n), n.pointer) for n in dropped] == [(("2.yml", 2), ("x-override-only",))]


def test_unset_variable_and_ip_dropped() -> None:
    unset = [n for n in _notes("20-interpolation-forms") if n.kind == "unset-variable"]
    assert {(_where(n), n.message.split('"')[1]) for n in unset} == {(("1.yml", 12), "MISSING")}
    ips = [n for n in _notes("02-ports-short-syntax") if n.kind == "ip-address-dropped"]
    assert [_where(n) for n in ips] == [("1.yml", 10), ("1.yml", 11)]
    assert "127.0.0.1:7000:7000/tcp" in ips[0].message


def test_secret_target_duplicate(tmp_path) -> None:
    (tmp_path / "1.yml").write_text(
        "services:\n  web:\n    image: nginx\n    secrets:\n      - source: a\n        target: cert\n")
    (tmp_path / "2.yml").write_text(
        "services:\n  web:\n    secrets:\n      - source: b\n        target: cert\n")
    stack = load_stack([str(tmp_path / "1.yml"), str(tmp_path / "2.yml")], env={})
    notes = [n for n in stack.notes if n.kind == "secret-target-duplicate"]
    assert [_where(n) for n in notes] == [("2.yml", 4)]


def test_compose_tags_are_noted(tmp_path) -> None:
    (tmp_path / "1.yml").write_text('services:\n  web:\n    image: x\n    ports: ["80:80"]\n')
    (tmp_path / "2.yml").write_text("services:\n  web:\n    ports: !reset []\n    dns: !override [a]\n")
    stack = load_stack([str(tmp_path / "1.yml"), str(tmp_path / "2.yml")], env={})
    notes = [n for n in stack.notes if n.kind == "compose-tag-ignored"]
    assert [(_where(n), "!reset" in n.message) for n in notes] == [(("2.yml", 3), True),
                                                                    (("2.yml", 4), False)]
    assert len(stack.model["services"]["web"]["ports"]) == 1      # !reset [] changed nothing
