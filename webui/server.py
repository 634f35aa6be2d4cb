"""Serving the web UI under waitress: threads in one process, or several processes.

A query's work holds Python's GIL for much of its time (the NumPy and compiled
passes release it, the Python between them does not), so however many threads
one process has, it keeps about 1.6 of two cores busy. Several processes each
have their own GIL: at ten times LawRefBook on two cores, two processes answer
eight clients about a quarter faster than one (BENCHMARKS.md).

The index is opened and warmed once, before the processes are forked: they
share its memory-mapped files and, copy-on-write, the tables warming built. A
supervising process starts them, starts another when one dies, and stops them
all on SIGTERM or SIGINT; each dies with it (``PR_SET_PDEATHSIG``). Every
process reopens the index on its own after a reindex.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

import waitress

#: Processes ``serve`` starts when not told: one per core, at most this many.
MAX_DEFAULT_PROCESSES = 4
#: A process that dies sooner than this after its start is replaced only after a pause.
_QUICK_DEATH_S = 1.0
_PR_SET_PDEATHSIG = 1

log = logging.getLogger("policy_search")


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_PROCESSES))


def listen(host: str, port: int, backlog: int = 1024) -> list[socket.socket]:
    """Listening sockets for ``host`` and ``port`` (every address ``host`` resolves to).

    Raises OSError (with the address) when one cannot be bound."""
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                               socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    seen = set()
    try:
        for family, kind, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") \
                    from None
            sock.listen(backlog)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def serve(app, sockets: list[socket.socket], threads: int, processes: int,
          release: Callable[[], None] | None = None) -> None:
    """Answer requests to ``app`` on ``sockets`` with ``threads`` threads in each of
    ``processes`` processes (this one when 1). ``release`` is called in the
    supervising process once the others are started: it drops what only they use."""
    if processes <= 1:
        waitress.serve(app, sockets=sockets, threads=threads, ident="policy-search")
        return
    # Rankings at once in each process: its share of the cores (more only adds memory).
    from indexer.search.snapshot import _RANKING

    _RANKING.resize(max(1, (os.cpu_count() or 1) // processes))
    _Processes(app, sockets, threads, processes, release).run()


class _Processes:
    def __init__(self, app, sockets, threads: int, count: int,
                 release: Callable[[], None] | None):
        self.app, self.sockets, self.threads, self.count = app, sockets, threads, count
        self.release = release
        self.children: dict[int, float] = {}  # pid -> when it started
        self.stopping = False

    def run(self) -> None:
        if threading.active_count() > 1:
            log.warning("%d threads before forking the server processes",
                        threading.active_count())
        gc.freeze()  # the index's objects stay shared: no collection writes to their pages
        for _ in range(self.count):
            self._start()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("%d server processes: %s", self.count, " ".join(map(str, self.children)))
        if self.release is not None:
            self.release()
        gc.unfreeze()
        gc.collect()
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            log.warning("server process %d %s; starting another", pid, _how(status))
            if time.monotonic() - started < _QUICK_DEATH_S:
                time.sleep(_QUICK_DEATH_S)
            if not self.stopping:
                self._start()

    def _stop(self, signum, frame) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _start(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            self.children[pid] = time.monotonic()
            return
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor stops the processes
            _die_with(parent)  # the index's objects stay frozen: shared with the others
            waitress.serve(self.app, sockets=self.sockets, threads=self.threads,
                           ident="policy-search")
            code = 0
        except BaseException:  # noqa: BLE001 - reported, then this process ends
            log.exception("server process %d failed", os.getpid())
        finally:
            logging.shutdown()
            os._exit(code)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends (Linux), or now if it has ended already."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {os.WTERMSIG(status)}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
