"""How a path names its storage: local paths, ``prefix://`` URLs and fsspec's filesystems.

Kept apart from the backends so that both they and the atomic writer can share it without
importing each other.
"""

from __future__ import annotations

import os.path as osp
from pathlib import Path
from typing import Any

__all__ = ["PathLike", "is_local", "parse_uri_prefix", "url_to_fs"]

PathLike = str | Path


def is_local(path: PathLike) -> bool:
    """True for plain paths; URLs (``scheme://``) go to a storage backend."""
    return "://" not in str(path)


def parse_uri_prefix(uri: PathLike) -> str:
    """The scheme before ``://`` ('' for a local path), as mmengine's backends are keyed.

    ``clusterName:s3://bucket/key`` (petrel's cluster spelling) gives ``'s3'``. A chained
    fsspec URL (``simplecache::s3://...``) gives the chain unchanged, which no registered
    backend claims, so it reaches fsspec.
    """
    _check_uri(uri)
    text = str(uri)
    if "://" not in text:
        return ""
    prefix = text.split("://", 1)[0]
    if "::" in prefix:
        return prefix
    return prefix.rpartition(":")[2]


def _check_uri(uri: object) -> None:
    """mmengine asserts this; an explicit AssertionError keeps the type under ``python -O``."""
    if not isinstance(uri, (str, Path)):
        raise AssertionError(f"a path must be a str or Path, got {type(uri).__name__}: {uri!r}")


def url_to_fs(path: PathLike, backend_args: dict | None = None) -> tuple[Any, str]:
    """The fsspec filesystem for ``path`` and the path as that filesystem spells it.

    ``backend_args`` are the filesystem's storage options; a ``backend`` key (mmengine's
    backend selector) is not one and is dropped.
    """
    import fsspec

    options = {k: v for k, v in (backend_args or {}).items() if k != "backend"}
    return fsspec.core.url_to_fs(str(path), **options)


def parent(filepath: PathLike) -> str:
    """The folder holding ``filepath`` ('' where there is none), for local paths and URLs."""
    text = str(filepath)
    if is_local(text):
        return osp.dirname(text)
    scheme, _, rest = text.partition("://")
    head = rest.rstrip("/").rpartition("/")[0]
    return f"{scheme}://{head}" if head else ""
