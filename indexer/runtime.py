"""Process settings for long-running servers.

Each thread that allocates may get its own glibc malloc arena, and an arena keeps
the memory its freed NumPy arrays leave behind. A server whose eight request
threads and part threads all build large temporary arrays grows by hundreds of MB
this way: at ten times LawRefBook, 940 MB of anonymous memory with the default
arenas against 600 MB with two (``python -m bench --scale 10``, BENCHMARKS.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: glibc's ``mallopt`` parameter for the number of arenas.
_M_ARENA_MAX = -8
#: Arenas a server keeps (the environment's ``MALLOC_ARENA_MAX`` wins when set).
SERVER_ARENAS = 2


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; call before starting threads.

    Returns whether the cap was set (False off glibc, or when ``MALLOC_ARENA_MAX``
    is already in the environment, which glibc applied at start-up)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
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
    return mallopt(_M_ARENA_MAX, int(arenas)) == 1
