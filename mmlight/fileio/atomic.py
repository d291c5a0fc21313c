"""Atomic, durable writes: a reader sees the old file or the whole new one, never a torn one.

The data goes to a temporary name next to the target (``.<name>.tmp-<pid>-<8 hex>``) and is
then renamed over it (``os.replace`` locally, the filesystem's ``mv`` for fsspec URLs).
Locally the file is fsynced before the rename and its folder after it, so once
:func:`atomic_write` returns the new file survives a power cut, and a caller may then delete
what the new file replaces. A crash while writing leaves the previous file untouched; the
temporary file is removed on any error, and :func:`remove_stale_temp_files` clears the ones a
SIGKILL left behind. A full disk is reported as :class:`NoSpaceLeftError` naming the target
(torch's own message is ``enforce fail at inline_container.cc``).
"""

from __future__ import annotations

import errno
import os
import os.path as osp
import re
import uuid
from collections.abc import Callable
from typing import IO

from mmlight.fileio.io import makedirs
from mmlight.fileio.uri import PathLike, is_local, url_to_fs
from mmlight.fileio.uri import parent as _parent

__all__ = ["NoSpaceLeftError", "atomic_write", "is_temp_name", "remove_stale_temp_files"]

Writer = Callable[[IO[bytes]], object]

#: The names :func:`_temp_name` makes, and nothing else: ``.<target name>.tmp-<pid>-<hex8>``.
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.tmp-\d+-[0-9a-f]{8}$")
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class NoSpaceLeftError(OSError):
    """The device (or quota) ran out of space while writing a file; the old file is kept."""

    def __str__(self) -> str:
        return str(self.strerror)  # the whole message, without OSError's "[Errno 28]" prefix


def is_temp_name(name: str) -> bool:
    """True for a file name :func:`atomic_write` uses while writing (never a finished file)."""
    return _TEMP_NAME.match(name) is not None


def _temp_name(filepath: str) -> str:
    """A unique hidden name in the target's directory (same filesystem, so rename works)."""
    if is_local(filepath):
        head, name = osp.split(filepath)
    else:
        head, _, name = filepath.rpartition("/")
    temp = f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return osp.join(head, temp) if is_local(filepath) else f"{head}/{temp}"


def atomic_write(
    filepath: PathLike, data: bytes | Writer, backend_args: dict | None = None
) -> None:
    """Write ``data`` to ``filepath`` atomically, creating its directory if needed.

    ``data`` is the bytes, or a function that writes them to the binary stream it is given
    (so a large checkpoint streams to disk instead of being held in memory twice).
    """
    target = str(filepath)
    parent = _parent(target)
    if parent:
        makedirs(parent, backend_args)
    temp = _temp_name(target)
    try:
        if is_local(target):
            _write_local(temp, target, data)
        else:
            _write_fs(temp, target, data, backend_args)
    except Exception as error:
        if _is_no_space(error):
            raise NoSpaceLeftError(
                errno.ENOSPC,
                f"no space left on device while writing {target}; the file was not changed "
                "(a previous version, if any, is intact). Free space or write elsewhere",
            ) from error
        raise


def _is_no_space(error: BaseException) -> bool:
    """ENOSPC/EDQUOT anywhere in the chain: torch turns the OSError into a RuntimeError."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _NO_SPACE:
            return True
        current = current.__cause__ or current.__context__
    return False


def _fill(stream: IO[bytes], data: bytes | Writer) -> None:
    if isinstance(data, (bytes, bytearray, memoryview)):
        stream.write(data)
    else:
        data(stream)


def _fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (POSIX: the directory entry needs its own fsync)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return  # e.g. a platform that cannot open folders; the rename itself has happened
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on folders; nothing more can be done there
    finally:
        os.close(fd)


def _write_local(temp: str, target: str, data: bytes | Writer) -> None:
    try:
        with open(temp, "wb") as stream:
            _fill(stream, data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        if osp.exists(temp):
            os.remove(temp)
        raise
    _fsync_dir(osp.dirname(target))


def _write_fs(temp: str, target: str, data: bytes | Writer, backend_args: dict | None) -> None:
    fs, temp_path = url_to_fs(temp, backend_args)
    _, target_path = url_to_fs(target, backend_args)
    try:
        with fs.open(temp_path, "wb") as stream:
            _fill(stream, data)
        fs.mv(temp_path, target_path)
    except BaseException:
        if fs.exists(temp_path):
            fs.rm_file(temp_path)
        raise


def remove_stale_temp_files(folder: PathLike, backend_args: dict | None = None) -> list[str]:
    """Delete the temporary files a killed :func:`atomic_write` left in ``folder``.

    Only names of :func:`atomic_write`'s own pattern directly in ``folder`` are touched, never
    anything else; returns the paths removed. Call it only when no write into ``folder`` is
    in flight (at the start of a run that holds the work_dir).
    """
    root = str(folder)
    removed: list[str] = []
    if is_local(root):
        if not osp.isdir(root):
            return removed
        for entry in os.scandir(root):
            if is_temp_name(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    os.remove(entry.path)
                except FileNotFoundError:
                    continue
                removed.append(entry.path)
        return removed
    fs, path = url_to_fs(root, backend_args)
    if not fs.isdir(path):
        return removed
    head = root.rstrip("/")
    for info in fs.ls(path, detail=True):
        name = str(info["name"]).rstrip("/").rpartition("/")[2]
        if info.get("type") == "file" and is_temp_name(name):
            fs.rm_file(info["name"])
            removed.append(f"{head}/{name}")
    return removed
