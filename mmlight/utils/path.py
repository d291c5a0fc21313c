"""Local path helpers (mmengine.utils.path): existence checks, directory scans, symlinks."""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "check_file_exist",
    "find_vcs_root",
    "fopen",
    "is_abs",
    "is_filepath",
    "mkdir_or_exist",
    "scandir",
    "symlink",
]


def is_filepath(x: Any) -> bool:
    """Whether ``x`` can name a file: a ``str`` or a :class:`pathlib.Path`."""
    return isinstance(x, (str, Path))


def fopen(filepath: str | Path, *args: Any, **kwargs: Any) -> IO[Any]:
    """``open`` that takes a str or a Path and refuses anything else with ValueError."""
    if isinstance(filepath, str):
        return open(filepath, *args, **kwargs)
    if isinstance(filepath, Path):
        return filepath.open(*args, **kwargs)
    raise ValueError("`filepath` should be a string or a Path")


def check_file_exist(filename: str | Path, msg_tmpl: str = 'file "{}" does not exist') -> None:
    """Raise FileNotFoundError (``msg_tmpl`` filled with the name) unless ``filename`` is a file.

    A directory of that name does not count.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(msg_tmpl.format(filename))


def mkdir_or_exist(dir_name: str | Path, mode: int = 0o777) -> None:
    """Create ``dir_name`` and its parents unless it exists; ``''`` means "here" and is a no-op.

    ``~`` is expanded.
    """
    if dir_name == "":
        return
    os.makedirs(osp.expanduser(dir_name), mode=mode, exist_ok=True)


def symlink(src: str | Path, dst: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
    """Make ``dst`` a symlink to ``src``, first removing whatever ``dst`` is when ``overwrite``."""
    if overwrite and osp.lexists(dst):
        os.remove(dst)
    os.symlink(src, dst, **kwargs)


def scandir(
    dir_path: str | Path,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    case_sensitive: bool = True,
) -> Iterator[str]:
    """Yield the files under ``dir_path`` as paths relative to it, in ``os.scandir`` order.

    Hidden entries (leading ``.``) are skipped; in recursive mode the descent into a
    subdirectory happens where it is met. ``suffix`` filters on the end of the relative path;
    with ``case_sensitive=False`` both sides are compared lower-cased. Argument errors raise
    TypeError when called, before anything is scanned.
    """
    if not isinstance(dir_path, (str, Path)):
        raise TypeError('"dir_path" must be a string or Path object')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError('"suffix" must be a string or tuple of strings')
    root = str(dir_path)
    if suffix is not None and not case_sensitive:
        suffix = suffix.lower() if isinstance(suffix, str) else tuple(s.lower() for s in suffix)
    return _scan(root, root, suffix, recursive, case_sensitive)


def _scan(
    root: str,
    directory: str,
    suffix: str | tuple[str, ...] | None,
    recursive: bool,
    case_sensitive: bool,
) -> Iterator[str]:
    for entry in os.scandir(directory):
        # As in mmengine: a hidden *file* is skipped, but a hidden *directory* is still
        # descended into in recursive mode (the dot test only guards the file branch).
        if not entry.name.startswith(".") and entry.is_file():
            rel_path = osp.relpath(entry.path, root)
            compared = rel_path if case_sensitive else rel_path.lower()
            if suffix is None or compared.endswith(suffix):
                yield rel_path
        elif recursive and osp.isdir(entry.path):
            yield from _scan(root, entry.path, suffix, recursive, case_sensitive)


def find_vcs_root(path: str | Path, markers: tuple[str, ...] = (".git",)) -> str | None:
    """The nearest directory at or above ``path`` holding one of ``markers``; None if none does.

    A file path starts the search at its directory.
    """
    if osp.isfile(path):
        path = osp.dirname(path)
    current = osp.abspath(osp.expanduser(path))
    previous = None
    while current != previous:
        if any(osp.exists(osp.join(current, marker)) for marker in markers):
            return current
        previous, current = current, osp.split(current)[0]
    return None


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a local absolute path or an http(s)/s3 URL."""
    return osp.isabs(path) or path.startswith(("http://", "https://", "s3://"))
