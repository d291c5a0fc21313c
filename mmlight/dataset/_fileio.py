"""The few file operations datasets need, done through fsspec.

Any fsspec URL (``memory://``, ``s3://``, ``gs://``, ...) works wherever a local path does;
local paths behave as in mmengine's local backend.
"""

from __future__ import annotations

import io
import json
import os
import os.path as osp
import pickle
from typing import Any

__all__ = ["is_abs", "join_path", "list_from_file", "load_file"]


def _has_protocol(path: str) -> bool:
    return "://" in path


def is_abs(path: str) -> bool:
    """Absolute local paths and URLs are not joined under ``data_root``."""
    return osp.isabs(path) or _has_protocol(path)


def join_path(base: str, *parts: str) -> str:
    """``os.path.join`` for local paths; '/'-joining for URLs."""
    if not _has_protocol(str(base)):
        return osp.join(base, *parts)
    joined = str(base)
    for part in parts:
        if _has_protocol(part):
            joined = part
        elif part:
            joined = joined.rstrip("/") + "/" + part.lstrip("/")
    return joined


def _read_bytes(path: str) -> bytes:
    import fsspec

    with fsspec.open(path, "rb") as stream:
        return stream.read()


def _load_yaml(raw: bytes) -> Any:
    import yaml

    return yaml.safe_load(raw)


_LOADERS = {
    "json": lambda raw: json.loads(raw),
    "yaml": _load_yaml,
    "yml": _load_yaml,
    "pkl": lambda raw: pickle.loads(raw),  # annotation files are the user's own data
    "pickle": lambda raw: pickle.loads(raw),
}


def load_file(path: str | os.PathLike) -> Any:
    """Parse a json/yaml/pickle file; the format comes from the extension, as in mmengine."""
    path = os.fspath(path)
    suffix = path.rsplit(".", 1)[-1] if "." in path else ""
    if suffix not in _LOADERS:
        raise TypeError(
            f"Unsupported format: {suffix!r} (annotation file {path!r}); "
            f"use one of {sorted(_LOADERS)}"
        )
    return _LOADERS[suffix](_read_bytes(path))


def list_from_file(path: str) -> list[str]:
    """The lines of a text file without their line endings."""
    text = _read_bytes(path).decode("utf-8")
    return [line.rstrip("\n\r") for line in io.StringIO(text, newline=None)]
