"""The Runner's ``work_dir`` and ``log_dir``: a local folder or any fsspec URL.

A local ``work_dir`` is made absolute and created with ``os.makedirs``, exactly as MMEngine
does (the parity tests compare local trees file by file). A URL (``memory://exp``,
``s3://bucket/exp``, ``file:///abs/exp``) is kept as written - MMEngine would turn it into a
nonsense local path through ``os.path.abspath`` - and created through its fsspec filesystem.
Everything the run writes there (config dump, logs, ``vis_data``, checkpoints,
``last_checkpoint``) is then joined onto the URL with '/'.
"""

from __future__ import annotations

import os
import os.path as osp
from pathlib import Path

__all__ = ["WorkDirError", "is_url", "join_work_path", "prepare_log_dir", "prepare_work_dir"]


class WorkDirError(ValueError):
    """A ``work_dir`` that cannot be used (unknown protocol, missing filesystem package...)."""


def is_url(path: str | Path) -> bool:
    """True for ``scheme://...`` paths, which go through fsspec."""
    return "://" in str(path)


def join_work_path(base: str, *parts: str) -> str:
    """``os.path.join`` for local folders; '/'-joining for URLs."""
    if not is_url(base):
        return osp.join(base, *parts)
    return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts if part)])


def _normalize_url(work_dir: str) -> str:
    scheme, _, rest = work_dir.partition("://")
    rest = rest.rstrip("/")
    if not rest:
        raise WorkDirError(
            f"work_dir={work_dir!r} names the root of the {scheme!r} filesystem; give a folder "
            f"under it, e.g. '{scheme}://exp'"
        )
    return f"{scheme}://{rest}"


def _makedirs_url(url: str, what: str) -> None:
    from mmlight.fileio import makedirs

    try:
        makedirs(url)
    except ImportError as err:
        raise ImportError(
            f"{what}={url!r} needs an fsspec filesystem package that is not installed: {err}"
        ) from err
    except ValueError as err:
        raise WorkDirError(f"{what}={url!r} is not a usable fsspec location: {err}") from err


def prepare_work_dir(work_dir: str | Path) -> str:
    """The work_dir the Runner keeps (absolute path or normalized URL), created if missing."""
    if not isinstance(work_dir, (str, Path)):
        raise TypeError(
            f"work_dir must be a str (a folder or an fsspec URL such as 'memory://exp') or a "
            f"pathlib.Path, but got {type(work_dir).__name__}: {work_dir!r}"
        )
    if not is_url(work_dir):
        path = osp.abspath(work_dir)
        os.makedirs(path, exist_ok=True)
        return path
    url = _normalize_url(str(work_dir))
    _makedirs_url(url, "work_dir")
    return url


def prepare_log_dir(work_dir: str, timestamp: str) -> str:
    """``<work_dir>/<timestamp>``, created (MMEngine's per-run log folder)."""
    log_dir = join_work_path(work_dir, timestamp)
    if is_url(log_dir):
        _makedirs_url(log_dir, "log_dir")
    else:
        os.makedirs(log_dir, exist_ok=True)
    return log_dir
