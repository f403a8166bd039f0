"""The only code that forks: one big stack checked or fixed on two cores, each process taking half of the services."""
from __future__ import annotations

import os
from collections.abc import Sequence

SPLIT_FROM = 256 * 1024     # bytes of input below which a fork costs more than it saves


def big(paths: Sequence[str]) -> bool:
    """Whether the files together are worth a second process.  Asked here, so that a small
    stack never imports `split` (or `fixsplit`): start-up is most of a small `check`."""
    try:
        return sum(os.path.getsize(p) for p in paths) >= SPLIT_FROM
    except OSError:                     # reading them says what is wrong
        return False
