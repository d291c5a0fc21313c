"""The deprecated ``file_client_args`` that ``load``/``dump``/``list_from_file`` still take."""

from __future__ import annotations

import warnings
from typing import Any

from mmlight.fileio.io import get_file_backend
from mmlight.fileio.uri import PathLike

__all__ = ["check_client_args", "storage_for"]


def check_client_args(file_client_args: dict | None, backend_args: dict | None) -> None:
    """Warn about ``file_client_args`` and refuse it together with ``backend_args``."""
    if file_client_args is None:
        return
    warnings.warn('"file_client_args" will be deprecated in future. Please use '
                  '"backend_args" instead', DeprecationWarning, stacklevel=3)
    if backend_args is not None:
        raise ValueError('"file_client_args" and "backend_args" cannot be set at the same '
                         "time.")


def storage_for(
    filepath: PathLike, file_client_args: dict | None, backend_args: dict | None
) -> Any:
    """The object to read/write ``filepath`` through: a FileClient where
    ``file_client_args`` is given (mmengine's old route), else a fresh backend."""
    if file_client_args is not None:
        from mmlight.fileio.file_client import FileClient

        return FileClient.infer_client(file_client_args, filepath)
    return get_file_backend(filepath, backend_args=backend_args)
