"""Storage backends: where ``mmlight.fileio``'s functions read and write."""

from mmlight.fileio.backends.base import BaseStorageBackend
from mmlight.fileio.backends.fsspec_backend import FsspecBackend
from mmlight.fileio.backends.http_backend import HTTPBackend
from mmlight.fileio.backends.lmdb_backend import LmdbBackend
from mmlight.fileio.backends.local_backend import LocalBackend
from mmlight.fileio.backends.memcached_backend import MemcachedBackend
from mmlight.fileio.backends.petrel_backend import PetrelBackend
from mmlight.fileio.backends.registry import backends, prefix_to_backends, register_backend

__all__ = [
    "BaseStorageBackend",
    "FsspecBackend",
    "HTTPBackend",
    "LmdbBackend",
    "LocalBackend",
    "MemcachedBackend",
    "PetrelBackend",
    "backends",
    "prefix_to_backends",
    "register_backend",
]
