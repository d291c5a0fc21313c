"""File plumbing for ``LoggerHook``: remote copies through fsspec and the test-metrics JSON dump.

Kept apart from the hook so the hook reads as "when to log" and this module as "where bytes go".
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "check_out_dir",
    "dump_json",
    "iter_files",
    "join_out_path",
    "json_friendly",
    "read_bytes",
    "remove_file",
    "storage_options",
    "write_bytes",
]

# Keys of mmengine's ``backend_args``/``file_client_args`` that name an mmengine file backend
# rather than an fsspec storage option; fsspec picks the filesystem from the URL instead.
_MMENGINE_ONLY_KEYS = ("backend",)


def storage_options(backend_args: Mapping[str, Any] | None) -> dict[str, Any]:
    """fsspec storage options from mmengine-style ``backend_args`` (``backend`` is dropped)."""
    if not backend_args:
        return {}
    return {key: value for key, value in backend_args.items() if key not in _MMENGINE_ONLY_KEYS}


def _is_url(path: str) -> bool:
    return "://" in path


def check_out_dir(out_dir: str, options: Mapping[str, Any], owner: str) -> None:
    """Fail at construction time, not after training, when ``out_dir``'s filesystem is unusable."""
    import fsspec

    try:
        fsspec.core.url_to_fs(out_dir, **options)
    except ImportError as err:
        raise ImportError(
            f"{owner}: out_dir={out_dir!r} needs a filesystem package that is not installed: {err}"
        ) from err
    except ValueError as err:
        raise ValueError(f"{owner}: out_dir={out_dir!r} is not a usable location: {err}") from err


def join_out_path(base: str, *parts: str) -> str:
    """Join path parts onto a local path or a URL (URLs always use '/')."""
    if _is_url(base):
        return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts)])
    return os.path.join(base, *parts)


def read_bytes(path: str) -> bytes:
    """The bytes of a local file or of an fsspec URL."""
    from mmlight.fileio import get

    return get(path)


def remove_file(path: str) -> None:
    """Delete a local file or an fsspec URL's object."""
    from mmlight.fileio import remove

    remove(path)


def write_bytes(url: str, data: bytes, options: Mapping[str, Any] | None = None) -> None:
    """Write ``data`` to a local path or URL, creating parent directories, replacing the file."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(url, **(options or {}))
    parent = posixpath.dirname(path)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    fs.pipe_file(path, data)


def iter_files(root: str, suffix: str | Sequence[str]) -> Iterator[str]:
    """Paths relative to ``root`` of the non-hidden files under it ending with ``suffix``.

    ``root`` may be an fsspec URL (a Runner with a URL work_dir); its relative paths use '/'.
    """
    suffixes = (suffix,) if isinstance(suffix, str) else tuple(suffix)
    if _is_url(root):
        from mmlight.fileio import list_dir_or_file

        found = list_dir_or_file(root, list_dir=False, suffix=suffixes, recursive=True)
        yield from sorted(found)  # hidden files are already left out
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            rel_path = os.path.relpath(os.path.join(dirpath, name), root)
            if rel_path.endswith(suffixes):
                yield rel_path


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


def json_friendly(value: Any) -> Any:
    """A JSON-ready copy of ``value``; anything that is not data (objects) becomes None."""
    import numpy as np

    if isinstance(value, (list, tuple)):
        return [json_friendly(item) for item in value]
    if isinstance(value, Mapping):
        return {key: json_friendly(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) or _is_tensor(value):
        return value.tolist()
    return None


def dump_json(obj: Any, url: str) -> None:
    """Write ``obj`` as one JSON document to a local path or URL (replacing it)."""
    from mmlight.visualization.vis_backend import to_json_value  # the scalar logs' encoding

    write_bytes(url, json.dumps(obj, default=to_json_value).encode("utf-8"))
