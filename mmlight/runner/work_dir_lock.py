"""One run per work_dir: an advisory lock that a second run on the same folder cannot take.

Two runs writing into one ``work_dir`` silently overwrite each other's checkpoints, config
dump and ``last_checkpoint``. Rank 0 of a run therefore holds ``fcntl.flock`` on
``<work_dir>/.mmlight.lock`` (which records its pid, host and start time) for as long as a
Runner of its process uses that folder. The kernel drops the lock when the process ends in any
way - a SIGKILLed run never blocks the next one - and a later run simply takes it over.

Only training takes the lock (``Runner.train()``, and the training command lines before they
build anything, so a refused run fails at once): validating or testing a checkpoint while
training goes on in the same work_dir is MMEngine's everyday workflow, and such a run writes
only its own timestamped log folder. It leaves the config dump alone while another run holds
the folder (:func:`work_dir_holder`).

The lock is per process, not per Runner: the same process may build several Runners on one
work_dir (``train()`` then ``test()``, or a script running stages one after another). Other
ranks take no lock. A remote (fsspec) work_dir cannot be locked: a warning says so once.
"""

from __future__ import annotations

import json
import os
import os.path as osp
import socket
import sys
import time
import weakref
from dataclasses import dataclass, field

from mmlight.config.errors import ConfigError

__all__ = [
    "LOCK_NAME",
    "WorkDirClaim",
    "WorkDirInUseError",
    "hold_work_dir",
    "launch_rank",
    "work_dir_holder",
]

LOCK_NAME = ".mmlight.lock"

# Environment variables that carry a process's rank before torch.distributed is set up.
_RANK_VARIABLES = {
    "pytorch": ("RANK",),
    "slurm": ("SLURM_PROCID", "RANK"),
    "mpi": ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "RANK"),
    "none": ("RANK",),  # set in the ranks mmlight's local launch starts
}


class WorkDirInUseError(ConfigError, RuntimeError):
    """Another live run holds the work_dir (bad input: exit 2 in the CLIs)."""


@dataclass
class _Held:
    """The lock this process holds on one lock file, and how many Runners use it."""

    fd: int
    pid: int
    users: set[int] = field(default_factory=set)


_HELD: dict[str, _Held] = {}
_WARNED: set[str] = set()


def launch_rank(launcher: str) -> int:
    """This process's rank as the launcher set it, before any process group exists."""
    names = _RANK_VARIABLES.get(launcher, ("RANK",)) if isinstance(launcher, str) else ("RANK",)
    for name in names:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 0


def hold_work_dir(owner: object, work_dir: str, launcher: str = "none") -> None:
    """Lock ``work_dir`` for ``owner`` (a Runner) until it is garbage collected or the process
    ends; raise :class:`WorkDirInUseError` if another process holds it.

    Does nothing on ranks other than 0. ``work_dir`` is the Runner's (absolute path or URL).
    """
    if launch_rank(launcher) != 0:
        return
    local = _local_path(work_dir)
    if local is None:
        _warn_unlockable(work_dir)
        return
    path = osp.realpath(osp.join(local, LOCK_NAME))
    held = _HELD.get(path)
    if held is None or held.pid != os.getpid():  # a forked child does not own its parent's
        held = _acquire(path, work_dir)
        if held is None:
            return
        _HELD[path] = held
    token = id(owner)
    held.users.add(token)
    weakref.finalize(owner, _release, path, token)


class WorkDirClaim:
    """An owner of the lock before any Runner exists: a command line that trains holds the
    work_dir with one while it builds the Runner, which then holds it for itself."""


def work_dir_holder(work_dir: str) -> str | None:
    """Who holds ``work_dir`` (``pid N on host H, started T: command``) if another process
    does, else None. Takes nothing: the lock is free again when this returns."""
    local = _local_path(work_dir)
    if local is None:
        return None
    path = osp.realpath(osp.join(local, LOCK_NAME))
    held = _HELD.get(path)
    if held is not None and held.pid == os.getpid():
        return None
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file: nobody ever held it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    except OSError:  # a file system without flock support
        return None
    finally:
        os.close(fd)  # also drops the probe's own lock
    return None


def _local_path(work_dir: str) -> str | None:
    if "://" not in work_dir:
        return work_dir
    scheme, _, rest = work_dir.partition("://")
    return rest if scheme in ("file", "local") else None


def _acquire(path: str, work_dir: str) -> _Held | None:
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        _warn_once(path, f"cannot create the lock file {path} ({err.strerror}); nothing stops "
                         "a second run from writing into this work_dir at the same time")
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise WorkDirInUseError(
            f"work_dir {work_dir} is in use by another run ({holder}; lock file {path}). Two "
            "runs in one work_dir overwrite each other's checkpoints, config dump and "
            "last_checkpoint. Wait for that run to end, or give this run another work_dir "
            "(--work-dir DIR, or work_dir=... in the config)"
        ) from None
    except OSError as err:  # a file system without flock support
        os.close(fd)
        _warn_once(path, f"cannot lock {path} ({err.strerror}); nothing stops a second run "
                         "from writing into this work_dir at the same time")
        return None
    _write_holder(fd)
    return _Held(fd=fd, pid=os.getpid())


def _write_holder(fd: int) -> None:
    info = dict(
        pid=os.getpid(),
        host=socket.gethostname(),
        started=time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime()),
        command=" ".join(sys.argv)[:500],
    )
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)


def _read_holder(fd: int) -> str:
    """``pid N on host H, started T`` from the lock file, or why it cannot be said."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "null")
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict):
        return "holder unknown: it has not written its details yet"
    text = f"pid {info.get('pid')} on host {info.get('host')}, started {info.get('started')}"
    if info.get("command"):
        text += f": {info['command']}"
    return text


def _release(path: str, token: int) -> None:
    held = _HELD.get(path)
    if held is None or held.pid != os.getpid():
        return
    held.users.discard(token)
    if held.users:
        return
    del _HELD[path]
    os.close(held.fd)  # closing the only descriptor drops the flock


def _warn_unlockable(work_dir: str) -> None:
    _warn_once(
        work_dir,
        f"work_dir {work_dir} is not on a local file system, so mmlight cannot lock it: "
        "nothing stops a second run from writing into it at the same time (its checkpoints, "
        "config dump and last_checkpoint would be overwritten). Give each run its own work_dir",
    )


def _warn_once(key: str, message: str) -> None:
    if key in _WARNED:
        return
    _WARNED.add(key)
    import logging

    from mmlight.logging import print_log

    print_log(message, logger="current", level=logging.WARNING)
