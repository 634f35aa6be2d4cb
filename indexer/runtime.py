"""Process settings for long-running servers.

Each thread that allocates may get its own glibc malloc arena, and an arena keeps
the memory its freed NumPy arrays leave behind. A server whose eight request
threads and part threads all build large temporary arrays grows by hundreds of MB
this way: at ten times LawRefBook, 940 MB of anonymous memory with the default
arenas against 600 MB with two (``python -m bench --scale 10``, BENCHMARKS.md).

glibc also raises its threshold for serving an allocation by ``mmap`` each time
such a block is freed, so that large arrays soon come from the arenas and their
memory stays with the process after a query. A fixed threshold of 1 MB returns
every large array to the system when it is freed: at ten times LawRefBook under
eight HTTP clients, 515–535 MB anonymous at the end instead of 600–790 MB, at
the same request rate.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: glibc's ``mallopt`` parameters: the number of arenas, the ``mmap`` threshold.
_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
#: Arenas a server keeps (the environment's ``MALLOC_ARENA_MAX`` wins when set).
SERVER_ARENAS = 2
#: Allocations a server serves by ``mmap`` (``MALLOC_MMAP_THRESHOLD_`` wins when set).
SERVER_MMAP_THRESHOLD = 1 << 20


def _mallopt(param: int, value: int, env: str) -> bool:
    if os.environ.get(env):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(param, int(value)) == 1


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; call before starting threads.

    Returns whether the cap was set (False off glibc, or when ``MALLOC_ARENA_MAX``
    is already in the environment, which glibc applied at start-up)."""
    return _mallopt(_M_ARENA_MAX, arenas, "MALLOC_ARENA_MAX")


def fix_mmap_threshold(size: int = SERVER_MMAP_THRESHOLD) -> bool:
    """Serve allocations of ``size`` bytes or more by ``mmap``, always (glibc).

    Returns whether it was set (False off glibc, or when ``MALLOC_MMAP_THRESHOLD_``
    is already in the environment)."""
    return _mallopt(_M_MMAP_THRESHOLD, size, "MALLOC_MMAP_THRESHOLD_")


def server_memory() -> None:
    """Both of the above: what ``policy-search serve`` sets before its threads start."""
    limit_malloc_arenas()
    fix_mmap_threshold()
