"""One crawl at a time per database: a lock file holding the PID of the run that owns it.

``CrawlLock(path).acquire()`` takes the lock or raises ``LockHeld`` with a
one-line description of the holder. The lock itself is an exclusive ``flock`` on
the file, not the file's existence: the kernel drops it when the owner exits,
however it exits (``kill -9``, OOM killer, reboot). A lock file left behind by a
dead run is therefore *stale* by construction: the next run takes it over and
says so (``stale_holder`` names the PID that left it), and a PID reused by an
unrelated process cannot keep the lock held. The file names its holder
(``PID STARTED_AT HOST``) for the operator and for the "locked" message.

POSIX only (``fcntl``), which is where cron runs. The file must live on a local
disk: ``flock`` over NFS is not reliable.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path


class LockHeld(RuntimeError):
    """Another live process holds the lock; ``str()`` is a one-line message."""

    def __init__(self, path: Path, holder: dict[str, str]):
        self.path = path
        self.holder = holder
        pid = holder.get("pid") or "unknown PID"
        since = f", since {holder['started_at']}" if holder.get("started_at") else ""
        super().__init__(f"another crawl holds {path} (PID {pid}{since})")


def read_holder(path: str | Path) -> dict[str, str]:
    """What a lock file says about its holder: ``pid``, ``started_at``, ``host`` (may be empty)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    parts = text.split()
    return dict(zip(("pid", "started_at", "host"), parts, strict=False))


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class CrawlLock:
    """An exclusive, non-blocking lock on ``path`` (see module doc). A context manager too."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.fd: int | None = None
        self.stale_holder: dict[str, str] = {}

    def acquire(self) -> CrawlLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                raise LockHeld(self.path, read_holder(self.path)) from None
            # The holder we waited on may have unlinked the file between our open()
            # and flock(): then we locked a file nobody else will ever look at.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.fd = fd
        self.stale_holder = read_holder(self.path) if os.fstat(fd).st_size else {}
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {started} {socket.gethostname()}\n".encode(), 0)
        os.fsync(fd)
        return self

    def release(self) -> None:
        """Remove the file and drop the lock (unlink first, so nobody locks a dead file)."""
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> CrawlLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
