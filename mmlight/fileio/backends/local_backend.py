"""Files on the local filesystem, through ``os``/``shutil`` (no fsspec import)."""

from __future__ import annotations

import os
import os.path as osp
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from mmlight.fileio.backends.base import BaseStorageBackend, copy_instead_of_link
from mmlight.fileio.uri import PathLike

__all__ = ["LocalBackend", "check_suffix_args"]


def check_suffix_args(list_dir: bool, suffix: object) -> None:
    """``list_dir_or_file``'s argument checks, with mmengine's messages."""
    if list_dir and suffix is not None:
        raise TypeError("`suffix` should be None when `list_dir` is True")
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError("`suffix` must be a string or tuple of strings")


class LocalBackend(BaseStorageBackend):
    """Local paths (``str`` or ``Path``); writes create missing parent folders."""

    _allow_symlink = True

    def get(self, filepath: PathLike) -> bytes:
        with open(filepath, "rb") as stream:
            return stream.read()

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        with open(filepath, encoding=encoding) as stream:
            return stream.read()

    def put(self, obj: bytes, filepath: PathLike) -> None:
        self.makedirs(osp.dirname(filepath))
        with open(filepath, "wb") as stream:
            stream.write(obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        self.makedirs(osp.dirname(filepath))
        with open(filepath, "w", encoding=encoding) as stream:
            stream.write(obj)

    def makedirs(self, dir_path: PathLike) -> None:
        """Create ``dir_path`` and its parents ('' is the current folder: nothing to do)."""
        if str(dir_path):
            os.makedirs(dir_path, exist_ok=True)

    def exists(self, filepath: PathLike) -> bool:
        return osp.exists(filepath)

    def isdir(self, filepath: PathLike) -> bool:
        return osp.isdir(filepath)

    def isfile(self, filepath: PathLike) -> bool:
        return osp.isfile(filepath)

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        return osp.join(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[PathLike]:
        """The file is local already: ``filepath`` itself, never removed."""
        yield filepath

    def copyfile(self, src: PathLike, dst: PathLike) -> PathLike:
        """Copy into ``dst`` (a file, or a folder keeping ``src``'s name); the path written."""
        return shutil.copy(src, dst)

    def copytree(self, src: PathLike, dst: PathLike) -> PathLike:
        """Copy the folder ``src`` to ``dst``, which must not exist (FileExistsError)."""
        return shutil.copytree(src, dst)

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return self.copyfile(src, dst)

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return self.copytree(src, dst)

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return self.copyfile(src, dst)

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return self.copytree(src, dst)

    def remove(self, filepath: PathLike) -> None:
        """Remove a file: FileNotFoundError if absent, IsADirectoryError for a folder."""
        if not self.exists(filepath):
            raise FileNotFoundError(f"filepath {filepath} does not exist")
        if self.isdir(filepath):
            raise IsADirectoryError("filepath should be a file")
        os.remove(filepath)

    def rmtree(self, dir_path: PathLike) -> None:
        shutil.rmtree(dir_path)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Link ``dst`` to ``src`` (True); where linking fails, copy instead (False)."""
        try:
            os.symlink(src, dst)
            return True
        except Exception:
            return copy_instead_of_link(self, src, dst)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Paths relative to ``dir_path``; files whose name starts with '.' are skipped.

        Arguments are checked at the call, before iteration, as mmengine's backend does.
        """
        check_suffix_args(list_dir, suffix)
        return _walk(str(dir_path), str(dir_path), list_dir, list_file, suffix, recursive)


def _walk(
    root: str, current: str, list_dir: bool, list_file: bool,
    suffix: str | tuple[str, ...] | None, recursive: bool,
) -> Iterator[str]:
    for entry in os.scandir(current):
        if not entry.name.startswith(".") and entry.is_file():
            relative = osp.relpath(entry.path, root)
            if list_file and (suffix is None or relative.endswith(suffix)):
                yield relative
        elif osp.isdir(entry.path):
            if list_dir:
                yield osp.relpath(entry.path, root)
            if recursive:
                yield from _walk(root, entry.path, list_dir, list_file, suffix, recursive)
