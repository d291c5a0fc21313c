"""Atomic writes: a reader sees the old file or the whole new one, never a torn one.

The data goes to a temporary name next to the target and is then renamed over it
(``os.replace`` locally, the filesystem's ``mv`` for fsspec URLs). A crash while writing
leaves the previous file untouched; the temporary file is removed on any error.
"""

from __future__ import annotations

import os
import os.path as osp
import uuid
from collections.abc import Callable
from typing import IO

from mmlight.fileio.io import PathLike, _parent, is_local, makedirs, url_to_fs

__all__ = ["atomic_write"]

Writer = Callable[[IO[bytes]], object]


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
    if is_local(target):
        _write_local(temp, target, data)
    else:
        _write_fs(temp, target, data, backend_args)


def _fill(stream: IO[bytes], data: bytes | Writer) -> None:
    if isinstance(data, (bytes, bytearray, memoryview)):
        stream.write(data)
    else:
        data(stream)


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
