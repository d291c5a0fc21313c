"""File access with ``mmengine.fileio``'s API, for local paths and any URL.

Every name of ``mmengine.fileio.__all__`` is here with its semantics: the path functions
(``get``, ``put``, ``exists``, ``copyfile`` ...) over storage backends chosen by
:func:`get_file_backend`, ``load``/``dump`` with pluggable format handlers,
``list_from_file``/``dict_from_file``, and the deprecated ``FileClient``. URLs no mmengine
backend claims (``memory://``, ``s3://`` without petrel_client, ``gs://`` ...) are served by
fsspec.

Checkpoints, ``last_checkpoint`` and published models are written through
:func:`atomic_write`, so a crash mid-write never leaves a torn file behind.
"""

from mmlight.fileio.atomic import atomic_write
from mmlight.fileio.backends import (
    BaseStorageBackend,
    FsspecBackend,
    HTTPBackend,
    LmdbBackend,
    LocalBackend,
    MemcachedBackend,
    PetrelBackend,
    register_backend,
)
from mmlight.fileio.file_client import FileClient, HardDiskBackend
from mmlight.fileio.handlers import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    register_handler,
)
from mmlight.fileio.io import (
    copy_if_symlink_fails,
    copyfile,
    copyfile_from_local,
    copyfile_to_local,
    copytree,
    copytree_from_local,
    copytree_to_local,
    exists,
    generate_presigned_url,
    get,
    get_file_backend,
    get_local_path,
    get_text,
    is_local,
    isdir,
    isfile,
    join_path,
    list_dir_or_file,
    makedirs,
    put,
    put_text,
    remove,
    rmtree,
    url_to_fs,
)
from mmlight.fileio.parse import dict_from_file, list_from_file
from mmlight.fileio.serialization import dump, load

__all__ = [
    "BaseFileHandler",
    "BaseStorageBackend",
    "FileClient",
    "FsspecBackend",
    "HTTPBackend",
    "HardDiskBackend",
    "JsonHandler",
    "LmdbBackend",
    "LocalBackend",
    "MemcachedBackend",
    "PetrelBackend",
    "PickleHandler",
    "YamlHandler",
    "atomic_write",
    "copy_if_symlink_fails",
    "copyfile",
    "copyfile_from_local",
    "copyfile_to_local",
    "copytree",
    "copytree_from_local",
    "copytree_to_local",
    "dict_from_file",
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
    "list_from_file",
    "load",
    "makedirs",
    "put",
    "put_text",
    "register_backend",
    "register_handler",
    "remove",
    "rmtree",
    "url_to_fs",
]
