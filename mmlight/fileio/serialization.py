"""``load``/``dump``: objects to and from json, yaml and pickle files (or other registered
formats), for paths, any backend's URLs and open file objects."""

from __future__ import annotations

from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

from mmlight.fileio._client_args import check_client_args, storage_for
from mmlight.fileio.handlers import file_handlers

__all__ = ["dump", "load"]


def _format_of(file: Any, file_format: str | None) -> str | None:
    """``file_format``, else the text after the last '.' of a path."""
    if file_format is None and isinstance(file, str):
        return file.split(".")[-1]
    return file_format


def load(
    file: Any,
    file_format: str | None = None,
    file_client_args: dict | None = None,
    backend_args: dict | None = None,
    **kwargs: Any,
) -> Any:
    """The object in ``file`` (a path, URL or readable file object).

    The format is ``file_format`` or the file's extension ('json', 'yaml'/'yml',
    'pickle'/'pkl', or one added with :func:`register_handler`); ``kwargs`` go to the
    handler (e.g. ``Loader=yaml.SafeLoader``).
    """
    if isinstance(file, Path):
        file = str(file)
    file_format = _format_of(file, file_format)
    if file_format not in file_handlers:
        raise TypeError(f"Unsupported format: {file_format}")
    check_client_args(file_client_args, backend_args)
    handler = file_handlers[file_format]
    if isinstance(file, str):
        storage = storage_for(file, file_client_args, backend_args)
        if handler.str_like:
            with StringIO(storage.get_text(file)) as stream:
                return handler.load_from_fileobj(stream, **kwargs)
        with BytesIO(storage.get(file)) as stream:
            return handler.load_from_fileobj(stream, **kwargs)
    if hasattr(file, "read"):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError('"file" must be a filepath str or a file-object')


def dump(
    obj: Any,
    file: Any = None,
    file_format: str | None = None,
    file_client_args: dict | None = None,
    backend_args: dict | None = None,
    **kwargs: Any,
) -> Any:
    """Write ``obj`` to ``file`` (a path, URL or writable file object); with no ``file``,
    return it serialised (``str``, or ``bytes`` for pickle) and ``file_format`` is required.

    Returns None when writing to a file.
    """
    if isinstance(file, Path):
        file = str(file)
    if file_format is None and file is None:
        raise ValueError("file_format must be specified since file is None")
    file_format = _format_of(file, file_format)
    if file_format not in file_handlers:
        raise TypeError(f"Unsupported format: {file_format}")
    check_client_args(file_client_args, backend_args)
    handler = file_handlers[file_format]
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    if isinstance(file, str):
        storage = storage_for(file, file_client_args, backend_args)
        if handler.str_like:
            with StringIO() as text:
                handler.dump_to_fileobj(obj, text, **kwargs)
                storage.put_text(text.getvalue(), file)
        else:
            with BytesIO() as data:
                handler.dump_to_fileobj(obj, data, **kwargs)
                storage.put(data.getvalue(), file)
        return None
    if hasattr(file, "write"):
        handler.dump_to_fileobj(obj, file, **kwargs)
        return None
    raise TypeError('"file" must be a filename str or a file-object')
