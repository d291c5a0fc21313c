"""Reading and writing config files on local disk or through fsspec URLs.

Local paths use plain ``open`` (no fsspec import on the common path); anything with a
``protocol://`` prefix goes through fsspec, so ``Config.fromfile('memory://x/cfg.py')`` and
``cfg.dump('s3://bucket/cfg.py')`` work, and relative ``_base_`` paths resolve against the
URL of the file that names them.
"""

from __future__ import annotations

import os.path as osp
import posixpath
import re

__all__ = [
    "abspath",
    "dirname",
    "exists",
    "is_dir",
    "is_url",
    "join",
    "read_text",
    "write_bytes",
    "write_text",
]

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def is_url(path: str) -> bool:
    """True for ``protocol://...`` paths (``file://`` included), which go through fsspec."""
    return bool(_URL.match(path))


def _split(url: str) -> tuple[str, str]:
    match = _URL.match(url)
    if match is None:
        raise ValueError(f"not a URL: {url!r}")
    return url[: match.end()], url[match.end() :]


def abspath(path: str) -> str:
    """Absolute form of a local path (``~`` expanded); URLs are returned as they are."""
    if is_url(path):
        return path
    return osp.abspath(osp.expanduser(path))


def dirname(path: str) -> str:
    if is_url(path):
        prefix, rest = _split(path)
        return prefix + posixpath.dirname(rest)
    return osp.dirname(path)


def join(directory: str, relative: str) -> str:
    """Resolve ``relative`` (as written in a config) against ``directory``."""
    if is_url(relative):
        return relative
    if is_url(directory):
        prefix, rest = _split(directory)
        return prefix + posixpath.normpath(posixpath.join(rest, relative))
    return osp.join(directory, relative)


def exists(path: str) -> bool:
    """True when ``path`` is an existing file."""
    if is_url(path):
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        return bool(fs.isfile(inner))
    return osp.isfile(path)


def is_dir(path: str) -> bool:
    """True when ``path`` is an existing directory."""
    if is_url(path):
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        return bool(fs.isdir(inner))
    return osp.isdir(path)


def read_text(path: str) -> str:
    if is_url(path):
        import fsspec

        with fsspec.open(path, "r", encoding="utf-8") as f:
            return str(f.read())
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_text(path: str, text: str) -> None:
    if is_url(path):
        import fsspec

        with fsspec.open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_bytes(path: str, data: bytes) -> None:
    if is_url(path):
        import fsspec

        with fsspec.open(path, "wb") as f:
            f.write(data)
        return
    with open(path, "wb") as f:
        f.write(data)
