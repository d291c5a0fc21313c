"""File access with ``mmengine.fileio``'s function names, for local paths and fsspec URLs.

Checkpoints, ``last_checkpoint`` and published models are written through
:func:`atomic_write`, so a crash mid-write never leaves a torn file behind.
"""

from mmlight.fileio.atomic import atomic_write
from mmlight.fileio.io import (
    exists,
    get,
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

__all__ = [
    "atomic_write",
    "exists",
    "get",
    "get_local_path",
    "get_text",
    "is_local",
    "isdir",
    "isfile",
    "join_path",
    "list_dir_or_file",
    "makedirs",
    "put",
    "put_text",
    "remove",
    "rmtree",
    "url_to_fs",
]
