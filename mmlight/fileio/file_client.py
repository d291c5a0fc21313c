"""mmengine's deprecated ``FileClient``: one cached backend per set of arguments.

New code calls ``mmlight.fileio``'s functions (or :func:`get_file_backend`); this class is
here so code written against mmengine's older API keeps running. Its tables are mmengine's:
local paths, ``petrel://``/``s3://``, ``http(s)://`` and named memcached/lmdb backends.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, overload

from mmlight.fileio.backends import (
    BaseStorageBackend,
    HTTPBackend,
    LmdbBackend,
    LocalBackend,
    MemcachedBackend,
    PetrelBackend,
)
from mmlight.fileio.backends.registry import _check_prefixes
from mmlight.fileio.uri import PathLike, _check_uri

__all__ = ["FileClient", "HardDiskBackend"]


def _warn(message: str) -> None:
    from mmlight.logging import print_log

    print_log(message, logger="current", level=logging.WARNING)


class HardDiskBackend(LocalBackend):
    """The old name of :class:`LocalBackend` (warns when built)."""

    def __init__(self) -> None:
        _warn('"HardDiskBackend" is the alias of "LocalBackend" and the former will be '
              "deprecated in future.")


class FileClient:
    """A storage backend chosen by ``backend`` name or URL ``prefix`` (deprecated).

    Instances are shared: the same ``backend``, ``prefix`` and keyword arguments give the
    same object. Each construction logs a deprecation warning, as mmengine's does.
    """

    _backends: dict[str, type[BaseStorageBackend]] = {
        "disk": HardDiskBackend,
        "memcached": MemcachedBackend,
        "lmdb": LmdbBackend,
        "petrel": PetrelBackend,
        "http": HTTPBackend,
    }

    _prefix_to_backends: dict[str, type[BaseStorageBackend]] = {
        "s3": PetrelBackend,
        "petrel": PetrelBackend,
        "http": HTTPBackend,
        "https": HTTPBackend,
    }

    _instances: dict[str, FileClient] = {}

    client: Any

    def __new__(cls, backend: str | None = None, prefix: str | None = None,
                **kwargs: Any) -> FileClient:
        _warn('"FileClient" will be deprecated in future. Please use io functions in '
              "https://mmengine.readthedocs.io/en/latest/api/fileio.html#file-io")
        if backend is None and prefix is None:
            backend = "disk"
        if backend is not None and backend not in cls._backends:
            raise ValueError(
                f"Backend {backend} is not supported. Currently supported ones are "
                f"{list(cls._backends.keys())}")
        if prefix is not None and prefix not in cls._prefix_to_backends:
            raise ValueError(
                f"prefix {prefix} is not supported. Currently supported ones are "
                f"{list(cls._prefix_to_backends.keys())}")
        key = f"{backend}:{prefix}" + "".join(f":{k}:{v}" for k, v in kwargs.items())
        if key not in cls._instances:
            instance = super().__new__(cls)
            if backend is not None:
                instance.client = cls._backends[backend](**kwargs)
            else:
                instance.client = cls._prefix_to_backends[str(prefix)](**kwargs)
            cls._instances[key] = instance
        return cls._instances[key]

    @property
    def name(self) -> str:
        return str(self.client.name)

    @property
    def allow_symlink(self) -> bool:
        return bool(self.client.allow_symlink)

    @staticmethod
    def parse_uri_prefix(uri: PathLike) -> str | None:
        """The scheme of ``uri`` (``clusterName:s3://`` gives 's3'), None for a local path."""
        _check_uri(uri)
        text = str(uri)
        if "://" not in text:
            return None
        prefix = text.split("://", 1)[0]
        return prefix.rpartition(":")[2]

    @classmethod
    def infer_client(cls, file_client_args: dict | None = None,
                     uri: PathLike | None = None) -> FileClient:
        """The client ``file_client_args`` describe, else the one ``uri``'s prefix selects."""
        if file_client_args is None and uri is None:
            raise AssertionError("infer_client needs file_client_args or uri")
        if file_client_args is None:
            return cls(prefix=cls.parse_uri_prefix(uri))  # type: ignore[arg-type]
        return cls(**file_client_args)

    @classmethod
    def _register_backend(
        cls, name: str, backend: type[BaseStorageBackend], force: bool = False,
        prefixes: str | list[str] | tuple[str, ...] | None = None,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"the backend name should be a string, but got {type(name)}")
        if not inspect.isclass(backend):
            raise TypeError(f"backend should be a class but got {type(backend)}")
        if not issubclass(backend, BaseStorageBackend):
            raise TypeError(f"backend {backend} is not a subclass of BaseStorageBackend")
        if not force and name in cls._backends:
            raise KeyError(
                f'{name} is already registered as a storage backend, add "force=True" if you '
                "want to override it")
        if name in cls._backends and force:
            cls._forget_instances_of(cls._backends[name])
        cls._backends[name] = backend
        if prefixes is None:
            return
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        else:
            _check_prefixes(prefixes)
        for prefix in prefixes:
            if prefix not in cls._prefix_to_backends:
                cls._prefix_to_backends[prefix] = backend
            elif force:
                # mmengine forgets the old class's clients but keeps the old table entry;
                # mmlight also points the prefix at the new class, as ``force`` promises
                cls._forget_instances_of(cls._prefix_to_backends[prefix])
                cls._prefix_to_backends[prefix] = backend
            else:
                raise KeyError(
                    f'{prefix} is already registered as a storage backend, add "force=True" '
                    "if you want to override it")

    @classmethod
    def _forget_instances_of(cls, backend: type[BaseStorageBackend]) -> None:
        for key, instance in list(cls._instances.items()):
            if isinstance(instance.client, backend):
                cls._instances.pop(key)

    @overload
    @classmethod
    def register_backend(
        cls, name: str, backend: None = None, force: bool = False,
        prefixes: str | list[str] | tuple[str, ...] | None = None,
    ) -> Callable[[type], type]: ...

    @overload
    @classmethod
    def register_backend(
        cls, name: str, backend: type[BaseStorageBackend], force: bool = False,
        prefixes: str | list[str] | tuple[str, ...] | None = None,
    ) -> None: ...

    @classmethod
    def register_backend(
        cls, name: str, backend: type[BaseStorageBackend] | None = None, force: bool = False,
        prefixes: str | list[str] | tuple[str, ...] | None = None,
    ) -> Callable[[type], type] | None:
        """Add a backend class by ``name`` (and ``prefixes``); a decorator without
        ``backend``. Taken names/prefixes raise KeyError unless ``force=True``."""
        if backend is not None:
            cls._register_backend(name, backend, force=force, prefixes=prefixes)
            return None

        def _register(backend_cls: type) -> type:
            cls._register_backend(name, backend_cls, force=force, prefixes=prefixes)
            return backend_cls

        return _register

    def get(self, filepath: PathLike) -> bytes | memoryview:
        return self.client.get(filepath)

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        return str(self.client.get_text(filepath, encoding))

    def put(self, obj: bytes, filepath: PathLike) -> None:
        self.client.put(obj, filepath)

    def put_text(self, obj: str, filepath: PathLike) -> None:
        self.client.put_text(obj, filepath)

    def remove(self, filepath: PathLike) -> None:
        self.client.remove(filepath)

    def exists(self, filepath: PathLike) -> bool:
        return bool(self.client.exists(filepath))

    def isdir(self, filepath: PathLike) -> bool:
        return bool(self.client.isdir(filepath))

    def isfile(self, filepath: PathLike) -> bool:
        return bool(self.client.isfile(filepath))

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        return str(self.client.join_path(filepath, *filepaths))

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[PathLike]:
        with self.client.get_local_path(str(filepath)) as local_path:
            yield local_path

    def list_dir_or_file(
        self, dir_path: PathLike, list_dir: bool = True, list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None, recursive: bool = False,
    ) -> Iterator[str]:
        yield from self.client.list_dir_or_file(dir_path, list_dir, list_file, suffix,
                                                recursive)
