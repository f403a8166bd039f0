"""Write a user's file all at once: a temporary file beside it, then a rename.

What a write keeps and refuses (docs/ARCHITECTURE.md "Writing a user's file"):
- a symlink stays a symlink: the file it points at is written;
- mode, owner and group are copied to the new file;
- a file with more than one hard link is written in place (the same inode, so every
  name sees the fix) with signals held off while it is written: the rename would leave
  the other names with the old text;
- a read-only file (no write bit for anyone, e.g. 0444) is refused, even for root;
- `expected` (the bytes the fix was computed from): when the file changed since, nothing
  is written (an edit made, or another `fix` run, while this one ran); the check and the
  rename happen under an exclusive lock of the old file, so two runs never interleave;
- SIGINT, SIGTERM, SIGHUP and SIGQUIT are held off from the temporary file's creation to
  the rename (or its removal), so a kill leaves the old file or the new one, and no
  temporary file; they are delivered right after.
"""
from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


class WriteRefused(OSError):
    """A write stacklint will not do (read-only file, file changed meanwhile)."""


def write_atomic(path: str | Path, data: bytes, expected: bytes | None = None) -> None:
    """Replace `path` with `data`; readers see the old file or the new one, never half."""
    write_all([(path, data, expected)])


def write_all(files: Sequence[tuple[str | Path, bytes, bytes | None]]) -> None:
    """Write several files as one step: every temporary file is written and every check
    passes before the first rename, so a refusal or an error changes no file."""
    with _signals_held():
        staged: list[tuple[Path, str | None, bytes, bytes | None]] = []
        try:
            for path, data, expected in files:
                target = _target(Path(path))
                staged.append((target, _stage(target, data), data, expected))
            with contextlib.ExitStack() as locks:
                for target, _, _, expected in staged:
                    locks.enter_context(_locked(target))
                    if expected is not None and _current(target) != expected:
                        raise WriteRefused(
                            0, "the file changed while stacklint was fixing it; nothing was "
                               "written (run the fix again)", str(target))
                for target, tmp, data, _ in staged:
                    if tmp is None:
                        _in_place(target, data)
                    else:
                        os.replace(tmp, target)
        finally:
            for _, tmp, _, _ in staged:
                if tmp is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)


def _target(path: Path) -> Path:
    """The file a write changes: a symlink's target (the link stays), else the path."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _stage(target: Path, data: bytes) -> str | None:
    """The temporary file with `data` and the old file's mode and owner; None when the
    file is hard-linked and gets written in place."""
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if not info.st_mode & 0o222:
            raise WriteRefused(0, "the file is read-only (no write permission for anyone); "
                                  "nothing was written (chmod u+w it, or use --diff)",
                               str(target))
        if info.st_nlink > 1 and stat.S_ISREG(info.st_mode):
            return None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))
            if (info.st_uid, info.st_gid) != _owner(tmp):
                try:
                    os.chown(tmp, info.st_uid, info.st_gid)
                except PermissionError:       # only root gives a file away: keep the group
                    with contextlib.suppress(PermissionError):
                        os.chown(tmp, -1, info.st_gid)
        else:  # a new file gets the usual umask-derived permissions
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _current(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock of the file being replaced (when it exists and can be opened)."""
    try:
        import fcntl
        fd = os.open(target, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _in_place(target: Path, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
