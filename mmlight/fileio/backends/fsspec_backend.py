"""Any URL fsspec knows (``memory://``, ``s3://`` with s3fs, ``gs://``, ``file://`` ...).

mmengine has no such backend: there, a prefix without a registered backend is an error.
mmlight hands such URLs to fsspec, whose filesystem the URL's scheme names; the backend's
arguments are that filesystem's storage options (``key``, ``anon``, ``endpoint_url`` ...).
Behaviour follows mmengine's backends: same return values, same errors with the same wording.
"""

from __future__ import annotations

import errno
import os
import os.path as osp
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from shutil import SameFileError
from typing import Any

from mmlight.fileio.backends.base import (
    BaseStorageBackend,
    copy_instead_of_link,
    copy_tree_to_local,
)
from mmlight.fileio.backends.local_backend import check_suffix_args
from mmlight.fileio.uri import PathLike, is_local, parent, url_to_fs

__all__ = ["FsspecBackend"]


class FsspecBackend(BaseStorageBackend):
    """Files behind fsspec URLs; ``storage_options`` go to the filesystem of each URL."""

    def __init__(self, **storage_options: Any) -> None:
        self.storage_options = storage_options

    def _fs(self, filepath: PathLike) -> tuple[Any, str]:
        return url_to_fs(filepath, self.storage_options)

    def get(self, filepath: PathLike) -> bytes:
        fs, path = self._fs(filepath)
        return bytes(fs.cat_file(path))

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        return self.get(filepath).decode(encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj``, creating the parent folder as mmengine's backends do."""
        folder = parent(filepath)
        if folder:
            self.makedirs(folder)
        fs, path = self._fs(filepath)
        fs.pipe_file(path, obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        self.put(obj.encode(encoding), filepath)

    def makedirs(self, dir_path: PathLike) -> None:
        """Create the folder (a no-op on object stores, which have no folders)."""
        fs, path = self._fs(dir_path)
        fs.makedirs(path, exist_ok=True)

    def exists(self, filepath: PathLike) -> bool:
        fs, path = self._fs(filepath)
        return bool(fs.exists(path))

    def isdir(self, filepath: PathLike) -> bool:
        fs, path = self._fs(filepath)
        return bool(fs.isdir(path))

    def isfile(self, filepath: PathLike) -> bool:
        fs, path = self._fs(filepath)
        return bool(fs.isfile(path))

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """'/'-joining; a part that is itself a URL starts the path afresh (as ``osp.join``
        does for an absolute part)."""
        joined = str(filepath)
        for part in map(str, filepaths):
            if not is_local(part):
                joined = part
            elif part:
                joined = joined.rstrip("/") + "/" + part.lstrip("/")
        return joined

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        """A temporary local copy (keeping the extension), deleted when the block ends."""
        suffix = osp.splitext(str(filepath))[1]
        with tempfile.TemporaryDirectory() as tmp_dir:
            local = osp.join(tmp_dir, f"copy{suffix}")
            with open(local, "wb") as stream:
                stream.write(self.get(filepath))
            yield local

    def _into_dir(self, src: PathLike, dst: PathLike) -> str:
        """``dst``, or ``dst/<src's name>`` where ``dst`` is a folder (``shutil.copy``'s rule)."""
        name = str(src).rstrip("/").rpartition("/")[2] if not is_local(src) else osp.basename(src)
        return self.join_path(dst, name) if self.isdir(dst) else str(dst)

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        target = self._into_dir(src, dst)
        if str(src) == target:
            raise SameFileError(f"{str(src)!r} and {target!r} are the same file")  # as shutil
        folder = parent(target)
        if folder:
            self.makedirs(folder)
        fs, src_path = self._fs(src)
        _, dst_path = self._fs(target)
        fs.copy(src_path, dst_path)  # server-side where the store can (s3 CopyObject ...)
        return target

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        if self.exists(dst):
            raise FileExistsError(errno.EEXIST, "File exists", str(dst))  # as shutil.copytree
        for relative in self.list_dir_or_file(src, list_dir=False, recursive=True):
            self.put(self.get(self.join_path(src, relative)), self.join_path(dst, relative))
        return str(dst)

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        target = self._into_dir(src, dst)
        with open(src, "rb") as stream:
            self.put(stream.read(), target)
        return target

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        if self.exists(dst):
            raise FileExistsError(errno.EEXIST, "File exists", str(dst))
        root = str(src)
        for folder, _, files in os.walk(root):
            for name in files:
                local = osp.join(folder, name)
                relative = osp.relpath(local, root).replace(os.sep, "/")
                self.put(_read_local(local), self.join_path(dst, relative))
        return str(dst)

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        """Copy to the local ``dst`` (into it, keeping the name, if it is a folder)."""
        if osp.isdir(dst):
            name = str(src).rstrip("/").rpartition("/")[2]
            dst = osp.join(dst, name) if isinstance(dst, str) else dst / name
        with open(dst, "wb") as stream:
            stream.write(self.get(src))
        return dst

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return copy_tree_to_local(self, src, dst)

    def remove(self, filepath: PathLike) -> None:
        """Remove a file: FileNotFoundError if absent, IsADirectoryError for a folder."""
        if not self.exists(filepath):
            raise FileNotFoundError(f"filepath {filepath} does not exist")
        if self.isdir(filepath):
            raise IsADirectoryError("filepath should be a file")
        fs, path = self._fs(filepath)
        fs.rm_file(path)

    def rmtree(self, dir_path: PathLike) -> None:
        fs, path = self._fs(dir_path)
        fs.rm(path, recursive=True)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """URLs cannot be linked: always copies, returns False (as mmengine's petrel backend)."""
        return copy_instead_of_link(self, src, dst)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Paths relative to ``dir_path``, '/'-separated; files starting with '.' skipped."""
        check_suffix_args(list_dir, suffix)
        fs, root = self._fs(dir_path)
        root = root.rstrip("/")
        return _walk(fs, root, root, list_dir, list_file, suffix, recursive)

    def generate_presigned_url(
        self, url: str, client_method: str = "get_object", expires_in: int = 3600
    ) -> str:
        """A time-limited public URL, where the filesystem can sign (s3fs, gcsfs ...).

        ``client_method`` other than 'get_object' is passed on as s3fs's ``client_method``.
        """
        fs, path = self._fs(url)
        extra = {} if client_method == "get_object" else {"client_method": client_method}
        try:
            return str(fs.sign(path, expiration=expires_in, **extra))
        except NotImplementedError:
            raise NotImplementedError(
                f"generate_presigned_url: the {type(fs).__name__} filesystem of {url} cannot "
                "sign URLs (s3fs and gcsfs can)"
            ) from None


def _read_local(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _walk(
    fs: Any, root: str, current: str, list_dir: bool, list_file: bool,
    suffix: str | tuple[str, ...] | None, recursive: bool,
) -> Iterator[str]:
    for info in fs.ls(current, detail=True):
        name = str(info["name"]).rstrip("/")
        relative = name[len(root):].lstrip("/")
        if info["type"] == "directory":
            if list_dir:
                yield relative
            if recursive:
                yield from _walk(fs, root, name, list_dir, list_file, suffix, recursive)
        elif (
            not name.rpartition("/")[2].startswith(".")
            and list_file
            and (suffix is None or relative.endswith(suffix))
        ):
            yield relative
