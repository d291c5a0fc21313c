"""Backend names and URL prefixes, and which backend class each one selects.

The table is mmengine's (``local`` for plain paths, ``petrel`` for ``petrel://`` and
``s3://``, ``http`` for ``http(s)://``, ``memcached`` and ``lmdb`` by name only) plus
``fsspec``, which serves every prefix no backend claims (``memory://``, ``gs://`` ...).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, overload

from mmlight.fileio.backends.base import BaseStorageBackend
from mmlight.fileio.backends.fsspec_backend import FsspecBackend
from mmlight.fileio.backends.http_backend import HTTPBackend
from mmlight.fileio.backends.lmdb_backend import LmdbBackend
from mmlight.fileio.backends.local_backend import LocalBackend
from mmlight.fileio.backends.memcached_backend import MemcachedBackend
from mmlight.fileio.backends.petrel_backend import PetrelBackend

__all__ = ["backend_for_prefix", "backends", "prefix_to_backends", "register_backend"]

#: backend name (``backend_args['backend']``) -> class
backends: dict[str, type[BaseStorageBackend]] = {}
#: URL prefix ('' for local paths) -> class
prefix_to_backends: dict[str, type[BaseStorageBackend]] = {}

BackendT = TypeVar("BackendT", bound=type[BaseStorageBackend])


def _check_prefixes(prefixes: object) -> None:
    """mmengine asserts this; an explicit AssertionError keeps the type under ``python -O``."""
    if not isinstance(prefixes, (list, tuple)):
        raise AssertionError(
            f"prefixes must be a str, list or tuple of str, got {type(prefixes).__name__}")


def _register_backend(
    name: str,
    backend: type[BaseStorageBackend],
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> None:
    if not isinstance(name, str):
        raise TypeError(f"the backend name should be a string, but got {type(name)}")
    if not inspect.isclass(backend):
        raise TypeError(f"backend should be a class, but got {type(backend)}")
    if not issubclass(backend, BaseStorageBackend):
        raise TypeError(f"backend {backend} is not a subclass of BaseStorageBackend")
    if name in backends and not force:
        raise ValueError(
            f'{name} is already registered as a storage backend, add "force=True" if you '
            "want to override it")
    backends[name] = backend
    if prefixes is None:
        return
    if isinstance(prefixes, str):
        prefixes = [prefixes]
    else:
        _check_prefixes(prefixes)
    for prefix in prefixes:
        if prefix in prefix_to_backends and not force:
            raise ValueError(
                f'{prefix} is already registered as a storage backend, add "force=True" if '
                "you want to override it")
        prefix_to_backends[prefix] = backend


@overload
def register_backend(
    name: str,
    backend: None = None,
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> Callable[[BackendT], BackendT]: ...


@overload
def register_backend(
    name: str,
    backend: type[BaseStorageBackend],
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> None: ...


def register_backend(
    name: str,
    backend: type[BaseStorageBackend] | None = None,
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> Callable[[BackendT], BackendT] | None:
    """Make ``backend`` selectable by ``name`` (and by URL ``prefixes``).

    Called with the class, or used as a class decorator when ``backend`` is omitted. A name
    or prefix already taken is a ValueError unless ``force=True``.
    """
    if backend is not None:
        _register_backend(name, backend, force=force, prefixes=prefixes)
        return None

    def _register(backend_cls: BackendT) -> BackendT:
        _register_backend(name, backend_cls, force=force, prefixes=prefixes)
        return backend_cls

    return _register


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _fsspec_knows(prefix: str) -> bool:
    from fsspec.registry import known_implementations, registry

    return prefix in registry or prefix in known_implementations


def backend_for_prefix(prefix: str) -> type[BaseStorageBackend]:
    """The class serving URLs with ``prefix``.

    A prefix nobody registered goes to :class:`FsspecBackend`. A registered backend whose
    client module is missing (``required_module``, e.g. petrel_client for ``s3://``) also
    yields to fsspec where fsspec has a filesystem for the prefix; otherwise the backend is
    used and says what to install.
    """
    backend = prefix_to_backends.get(prefix)
    if backend is None:
        return FsspecBackend
    required: Any = getattr(backend, "required_module", None)
    if required and not _importable(required) and _fsspec_knows(prefix):
        return FsspecBackend
    return backend


register_backend("local", LocalBackend, prefixes="")
register_backend("memcached", MemcachedBackend)
register_backend("lmdb", LmdbBackend)
# 's3' selects petrel as in mmengine (for backward compatibility there); see
# backend_for_prefix for s3 without petrel_client.
register_backend("petrel", PetrelBackend, prefixes=["petrel", "s3"])
register_backend("http", HTTPBackend, prefixes=["http", "https"])
register_backend("fsspec", FsspecBackend)
