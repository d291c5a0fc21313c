"""``mmengine.fileio``'s file functions: each picks a storage backend and calls it.

The backend comes from :func:`get_file_backend`: ``backend_args['backend']`` names one;
otherwise the path's prefix decides (plain paths: :class:`LocalBackend`, through ``os``;
``http(s)://``: :class:`HTTPBackend`; ``petrel://``, and ``s3://`` where petrel_client is
installed: :class:`PetrelBackend`; any other URL: fsspec's filesystem for its scheme). The
rest of ``backend_args`` builds the backend (for fsspec: the storage options).

:func:`makedirs` and the ``encoding`` of :func:`put_text` are mmlight additions. The public
names are listed once, in ``mmlight/fileio/__init__.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mmlight.fileio.backends import BaseStorageBackend, backends
from mmlight.fileio.backends.registry import backend_for_prefix
from mmlight.fileio.uri import PathLike, is_local, parse_uri_prefix, url_to_fs

__all__ = [
    "PathLike",
    "copy_if_symlink_fails",
    "copyfile",
    "copyfile_from_local",
    "copyfile_to_local",
    "copytree",
    "copytree_from_local",
    "copytree_to_local",
    "dump",
    "exists",
    "generate_presigned_url",
    "get",
    "get_file_backend",
    "get_local_path",
    "get_text",
    "is_local",
    "isdir",
    "isfile",
    "join_path",
    "list_dir_or_file",
    "load",
    "makedirs",
    "put",
    "put_text",
    "remove",
    "rmtree",
    "url_to_fs",
]

#: backends built with ``enable_singleton=True``, keyed by prefix and arguments.
backend_instances: dict[str, BaseStorageBackend] = {}


def _parse_uri_prefix(uri: PathLike) -> str:
    """mmengine's private name for :func:`mmlight.fileio.uri.parse_uri_prefix`."""
    return parse_uri_prefix(uri)


def _get_file_backend(prefix: str, backend_args: dict) -> BaseStorageBackend:
    if "backend" in backend_args:
        options = dict(backend_args)
        name = options.pop("backend")
        return backends[name](**options)
    return backend_for_prefix(prefix)(**backend_args)


def get_file_backend(
    uri: PathLike | None = None,
    *,
    backend_args: dict | None = None,
    enable_singleton: bool = False,
) -> Any:
    """The backend for ``uri`` (or the one ``backend_args['backend']`` names, which wins).

    With ``enable_singleton`` the backend is cached per prefix and arguments and reused.
    ``backend_args`` is never modified.
    """
    if backend_args is None:
        backend_args = {}
    if uri is None and "backend" not in backend_args:
        raise ValueError('uri should not be None when "backend" does not exist in backend_args')
    prefix = parse_uri_prefix(uri) if uri is not None else ""
    if not enable_singleton:
        return _get_file_backend(prefix, backend_args)
    try:
        # the key mmengine builds (json.dumps({}) is '{}'; skipped for speed when empty)
        key = f"{prefix}:{json.dumps(backend_args) if backend_args else '{}'}"
    except TypeError:  # arguments JSON cannot spell (mmlight: build, do not cache)
        return _get_file_backend(prefix, backend_args)
    if key not in backend_instances:
        backend_instances[key] = _get_file_backend(prefix, backend_args)
    return backend_instances[key]


def _backend(filepath: PathLike, backend_args: dict | None) -> Any:
    return get_file_backend(filepath, backend_args=backend_args, enable_singleton=True)


def get(filepath: PathLike, backend_args: dict | None = None) -> bytes:
    """The file's bytes."""
    return _backend(filepath, backend_args).get(filepath)


def get_text(
    filepath: PathLike, encoding: str = "utf-8", backend_args: dict | None = None
) -> str:
    """The file's text, decoded with ``encoding``."""
    return _backend(filepath, backend_args).get_text(filepath, encoding)


def put(obj: bytes, filepath: PathLike, backend_args: dict | None = None) -> None:
    """Write bytes, creating the parent folder (not atomic: see
    :func:`mmlight.fileio.atomic_write`)."""
    _backend(filepath, backend_args).put(obj, filepath)


def put_text(
    obj: str, filepath: PathLike, backend_args: dict | None = None, *, encoding: str = "utf-8"
) -> None:
    """Write text, creating the parent folder (``encoding`` is an mmlight addition)."""
    backend = _backend(filepath, backend_args)
    if encoding == "utf-8":
        backend.put_text(obj, filepath)  # mmengine's call, for backends without `encoding`
    else:
        backend.put_text(obj, filepath, encoding)


def exists(filepath: PathLike, backend_args: dict | None = None) -> bool:
    return bool(_backend(filepath, backend_args).exists(filepath))


def isdir(filepath: PathLike, backend_args: dict | None = None) -> bool:
    return bool(_backend(filepath, backend_args).isdir(filepath))


def isfile(filepath: PathLike, backend_args: dict | None = None) -> bool:
    return bool(_backend(filepath, backend_args).isfile(filepath))


def join_path(
    filepath: PathLike, *filepaths: PathLike, backend_args: dict | None = None
) -> str:
    """``os.path.join`` locally; '/'-joining for URLs."""
    return str(_backend(filepath, backend_args).join_path(filepath, *filepaths))


def makedirs(dir_path: PathLike, backend_args: dict | None = None) -> None:
    """Create ``dir_path`` and its parents; a no-op where it exists or where the storage has
    no folders (mmlight addition: mmengine spells it ``mkdir_or_exist``, local only)."""
    backend = _backend(dir_path, backend_args)
    if hasattr(backend, "makedirs"):
        backend.makedirs(dir_path)


@contextmanager
def get_local_path(filepath: PathLike, backend_args: dict | None = None) -> Iterator[Any]:
    """A local path holding ``filepath``'s data: itself if local (never removed), else a
    temporary copy removed when the block ends."""
    with _backend(filepath, backend_args).get_local_path(str(filepath)) as local_path:
        yield local_path


def copyfile(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Copy a file within one storage; into ``dst`` if it is a folder. Returns the file
    written; SameFileError if ``src`` is ``dst``."""
    return _backend(src, backend_args).copyfile(src, dst)


def copytree(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Copy a folder within one storage; FileExistsError if ``dst`` exists."""
    return _backend(src, backend_args).copytree(src, dst)


def copyfile_from_local(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Upload the local file ``src`` to ``dst`` (the backend is ``dst``'s)."""
    return _backend(dst, backend_args).copyfile_from_local(src, dst)


def copytree_from_local(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Upload the local folder ``src`` to ``dst``, which must not exist."""
    return _backend(dst, backend_args).copytree_from_local(src, dst)


def copyfile_to_local(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Download ``src`` to the local ``dst``.

    The backend is chosen from ``dst``, as mmengine does; so for a URL ``src`` pass
    ``backend_args={'backend': ...}`` naming ``src``'s backend.
    """
    return _backend(dst, backend_args).copyfile_to_local(src, dst)


def copytree_to_local(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> Any:
    """Download the folder ``src`` to the local ``dst`` (backend chosen from ``dst``, as
    :func:`copyfile_to_local`)."""
    return _backend(dst, backend_args).copytree_to_local(src, dst)


def remove(filepath: PathLike, backend_args: dict | None = None) -> None:
    """Remove a file: FileNotFoundError if absent, IsADirectoryError for a folder."""
    _backend(filepath, backend_args).remove(filepath)


def rmtree(dir_path: PathLike, backend_args: dict | None = None) -> None:
    """Remove a folder and everything in it."""
    _backend(dir_path, backend_args).rmtree(dir_path)


def copy_if_symlink_fails(src: PathLike, dst: PathLike, backend_args: dict | None = None) -> bool:
    """Link ``dst`` to ``src`` (True) or, where that fails or cannot be, copy (False)."""
    return bool(_backend(src, backend_args).copy_if_symlink_fails(src, dst))


def list_dir_or_file(
    dir_path: PathLike,
    list_dir: bool = True,
    list_file: bool = True,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    backend_args: dict | None = None,
) -> Iterator[str]:
    """Paths relative to ``dir_path``; files whose name starts with '.' are skipped."""
    backend = _backend(dir_path, backend_args)
    yield from backend.list_dir_or_file(dir_path, list_dir, list_file, suffix, recursive)


def generate_presigned_url(
    url: str,
    client_method: str = "get_object",
    expires_in: int = 3600,
    backend_args: dict | None = None,
) -> str:
    """A time-limited URL for ``url`` (petrel, and fsspec filesystems that sign: s3, gcs)."""
    backend = _backend(url, backend_args)
    return str(backend.generate_presigned_url(url, client_method, expires_in))


# mmengine defines load/dump in this module and downstream code imports them from here; they
# live in serialization.py (which needs get_file_backend above, hence the import at the end)
from mmlight.fileio.serialization import dump, load  # noqa: E402
