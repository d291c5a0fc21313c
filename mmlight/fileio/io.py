"""Path helpers with ``mmengine.fileio``'s names, for local paths and any fsspec URL.

A path without ``://`` is local and handled with ``os`` (no fsspec import, mmengine's local
backend semantics). Anything else (``memory://``, ``s3://``, ``gs://``, ``file://`` ...) goes
to the fsspec filesystem its protocol names; ``backend_args`` become that filesystem's
storage options (a ``backend`` key, mmengine's backend selector, is ignored: the URL decides).

The public names are listed once, in ``mmlight/fileio/__init__.py``.
"""

from __future__ import annotations

import contextlib
import os
import os.path as osp
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PathLike = str | Path


def is_local(path: PathLike) -> bool:
    """True for plain paths; URLs (``scheme://``) go through fsspec."""
    return "://" not in str(path)


def url_to_fs(path: PathLike, backend_args: dict | None = None) -> tuple[Any, str]:
    """The fsspec filesystem for ``path`` and the path as that filesystem spells it."""
    import fsspec

    options = {k: v for k, v in (backend_args or {}).items() if k != "backend"}
    return fsspec.core.url_to_fs(str(path), **options)


def exists(filepath: PathLike, backend_args: dict | None = None) -> bool:
    if is_local(filepath):
        return osp.exists(filepath)
    fs, path = url_to_fs(filepath, backend_args)
    return bool(fs.exists(path))


def isfile(filepath: PathLike, backend_args: dict | None = None) -> bool:
    if is_local(filepath):
        return osp.isfile(filepath)
    fs, path = url_to_fs(filepath, backend_args)
    return bool(fs.isfile(path))


def isdir(filepath: PathLike, backend_args: dict | None = None) -> bool:
    if is_local(filepath):
        return osp.isdir(filepath)
    fs, path = url_to_fs(filepath, backend_args)
    return bool(fs.isdir(path))


def join_path(filepath: PathLike, *filepaths: PathLike, backend_args: dict | None = None) -> str:
    """``os.path.join`` locally; '/'-joining for URLs (an absolute URL part restarts)."""
    if is_local(filepath):
        return osp.join(filepath, *filepaths)
    joined = str(filepath)
    for part in map(str, filepaths):
        if not is_local(part):
            joined = part
        elif part:
            joined = joined.rstrip("/") + "/" + part.lstrip("/")
    return joined


def makedirs(dir_path: PathLike, backend_args: dict | None = None) -> None:
    """Create ``dir_path`` and its parents; a no-op where it exists (or for object stores)."""
    if is_local(dir_path):
        os.makedirs(dir_path, exist_ok=True)
        return
    fs, path = url_to_fs(dir_path, backend_args)
    fs.makedirs(path, exist_ok=True)


def get(filepath: PathLike, backend_args: dict | None = None) -> bytes:
    """The file's bytes."""
    if is_local(filepath):
        with open(filepath, "rb") as stream:
            return stream.read()
    fs, path = url_to_fs(filepath, backend_args)
    return bytes(fs.cat_file(path))


def get_text(
    filepath: PathLike, encoding: str = "utf-8", backend_args: dict | None = None
) -> str:
    return get(filepath, backend_args).decode(encoding)


def put(obj: bytes, filepath: PathLike, backend_args: dict | None = None) -> None:
    """Write bytes, creating the parent directory as mmengine's backends do (not atomic:
    see :func:`mmlight.fileio.atomic_write`)."""
    parent = _parent(filepath)
    if parent:
        makedirs(parent, backend_args)
    if is_local(filepath):
        with open(filepath, "wb") as stream:
            stream.write(obj)
        return
    fs, path = url_to_fs(filepath, backend_args)
    fs.pipe_file(path, obj)


def put_text(
    obj: str, filepath: PathLike, encoding: str = "utf-8", backend_args: dict | None = None
) -> None:
    put(obj.encode(encoding), filepath, backend_args)


def remove(filepath: PathLike, backend_args: dict | None = None) -> None:
    """Remove a file (FileNotFoundError if there is none)."""
    if is_local(filepath):
        os.remove(filepath)
        return
    fs, path = url_to_fs(filepath, backend_args)
    if not fs.isfile(path):
        raise FileNotFoundError(f"cannot remove {filepath}: no such file")
    fs.rm_file(path)


def rmtree(dir_path: PathLike, backend_args: dict | None = None) -> None:
    """Remove a directory and everything in it."""
    if is_local(dir_path):
        shutil.rmtree(dir_path)
        return
    fs, path = url_to_fs(dir_path, backend_args)
    fs.rm(path, recursive=True)


def list_dir_or_file(
    dir_path: PathLike,
    list_dir: bool = True,
    list_file: bool = True,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    backend_args: dict | None = None,
) -> Iterator[str]:
    """Paths relative to ``dir_path``; names starting with '.' are skipped, as mmengine does."""
    if list_dir and suffix is not None:
        raise TypeError("list_dir_or_file(): `suffix` must be None when `list_dir` is True")
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(
            f"list_dir_or_file(): `suffix` must be a str or a tuple of str, got "
            f"{type(suffix).__name__}"
        )
    if is_local(dir_path):
        yield from _walk_local(str(dir_path), str(dir_path), list_dir, list_file, suffix,
                               recursive)
        return
    fs, root = url_to_fs(dir_path, backend_args)
    root = root.rstrip("/")
    yield from _walk_fs(fs, root, root, list_dir, list_file, suffix, recursive)


def _walk_local(
    root: str, current: str, list_dir: bool, list_file: bool,
    suffix: str | tuple[str, ...] | None, recursive: bool,
) -> Iterator[str]:
    for entry in os.scandir(current):
        relative = osp.relpath(entry.path, root)
        if entry.is_file() and not entry.name.startswith("."):
            if list_file and (suffix is None or relative.endswith(suffix)):
                yield relative
        elif entry.is_dir():
            if list_dir:
                yield relative
            if recursive:
                yield from _walk_local(root, entry.path, list_dir, list_file, suffix, recursive)


def _walk_fs(
    fs: Any, root: str, current: str, list_dir: bool, list_file: bool,
    suffix: str | tuple[str, ...] | None, recursive: bool,
) -> Iterator[str]:
    for info in fs.ls(current, detail=True):
        name = str(info["name"]).rstrip("/")
        relative = name[len(root):].lstrip("/")
        if info["type"] == "directory":
            if list_dir:
                yield relative
            if recursive:
                yield from _walk_fs(fs, root, name, list_dir, list_file, suffix, recursive)
        elif (
            not osp.basename(name).startswith(".")
            and list_file
            and (suffix is None or relative.endswith(suffix))
        ):
            yield relative


@contextlib.contextmanager
def get_local_path(filepath: PathLike, backend_args: dict | None = None) -> Iterator[str]:
    """A local path to read ``filepath`` from: itself if local, else a temporary copy."""
    if is_local(filepath):
        yield str(filepath)
        return
    suffix = osp.splitext(str(filepath))[1]
    with tempfile.TemporaryDirectory() as tmp_dir:
        local = osp.join(tmp_dir, f"copy{suffix}")
        with open(local, "wb") as stream:
            stream.write(get(filepath, backend_args))
        yield local


def _parent(filepath: PathLike) -> str:
    text = str(filepath)
    if is_local(text):
        return osp.dirname(text)
    scheme, _, rest = text.partition("://")
    head = rest.rstrip("/").rpartition("/")[0]
    return f"{scheme}://{head}" if head else ""
