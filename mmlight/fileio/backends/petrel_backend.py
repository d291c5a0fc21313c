"""SenseTime's Petrel object storage (``petrel://`` and ``s3://`` through ``petrel_client``).

``petrel_client`` is not on PyPI; without it, ``s3://`` URLs go to fsspec's s3fs instead
(see :mod:`mmlight.fileio.backends.registry`) and an explicit ``backend='petrel'`` raises an
ImportError saying so.
"""

from __future__ import annotations

import os
import os.path as osp
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import SameFileError
from typing import Any

from mmlight.fileio.backends.base import (
    BaseStorageBackend,
    copy_instead_of_link,
    copy_tree_to_local,
)
from mmlight.fileio.backends.local_backend import check_suffix_args
from mmlight.fileio.uri import PathLike

__all__ = ["PetrelBackend"]

_SDK_TOO_OLD = (
    "Current version of Petrel Python SDK has not supported the `{}` method, please use a "
    "higher version or dev branch instead."
)


class PetrelBackend(BaseStorageBackend):
    """Files in Petrel; ``path_mapping`` rewrites path prefixes before each call (e.g. a local
    data root to its bucket), ``enable_mc``/``conf_path`` configure the client."""

    #: the module this backend needs; without it ``s3://`` URLs are served by fsspec.
    required_module = "petrel_client"

    def __init__(
        self,
        path_mapping: dict | None = None,
        enable_mc: bool = True,
        conf_path: str | None = None,
    ) -> None:
        try:
            from petrel_client import client
        except ImportError:
            raise ImportError(
                "Please install petrel_client to enable PetrelBackend. (It is SenseTime's "
                "client, not on PyPI; for plain S3 use an s3:// URL without "
                "backend='petrel', which fsspec's s3fs serves: pip install s3fs.)"
            ) from None
        self._client: Any = client.Client(conf_path=conf_path, enable_mc=enable_mc)
        if not (path_mapping is None or isinstance(path_mapping, dict)):
            raise AssertionError(f"path_mapping must be a dict or None, got {path_mapping!r}")
        self.path_mapping = path_mapping

    # -- path spelling -------------------------------------------------------------------
    def _map_path(self, filepath: PathLike) -> str:
        text = str(filepath)
        for src, dst in (self.path_mapping or {}).items():
            text = text.replace(src, dst, 1)
        return text

    @staticmethod
    def _format_path(filepath: str) -> str:
        """Backslashes (Windows-built paths) become the store's '/'."""
        return re.sub(r"\\+", "/", filepath)

    @staticmethod
    def _replace_prefix(filepath: str) -> str:
        return filepath.replace("petrel://", "s3://")

    def _client_path(self, filepath: PathLike) -> str:
        return self._replace_prefix(self._format_path(self._map_path(filepath)))

    def _require(self, *methods: str) -> None:
        for method in methods:
            if not callable(getattr(self._client, method, None)):
                raise NotImplementedError(_SDK_TOO_OLD.format(method))

    # -- reading and writing -------------------------------------------------------------
    def get(self, filepath: PathLike) -> bytes:
        return self._client.Get(self._client_path(filepath))

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        return str(self.get(filepath), encoding=encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        self._client.put(self._client_path(filepath), obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        self.put(bytes(obj, encoding=encoding), filepath)

    def exists(self, filepath: PathLike) -> bool:
        self._require("contains", "isdir")
        path = self._client_path(filepath)
        return bool(self._client.contains(path) or self._client.isdir(path))

    def isdir(self, filepath: PathLike) -> bool:
        self._require("isdir")
        return bool(self._client.isdir(self._client_path(filepath)))

    def isfile(self, filepath: PathLike) -> bool:
        self._require("contains")
        return bool(self._client.contains(self._client_path(filepath)))

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        head = self._format_path(self._map_path(filepath))
        if head.endswith("/"):
            head = head[:-1]
        parts = [head] + [self._format_path(self._map_path(p)).lstrip("/") for p in filepaths]
        return "/".join(parts)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        if not self.isfile(filepath):
            raise AssertionError(f"get_local_path: {filepath} is not a file")
        with tempfile.NamedTemporaryFile(delete=False) as stream:
            name = stream.name
            stream.write(self.get(filepath))
        try:
            yield name
        finally:
            os.remove(name)

    # -- copying -------------------------------------------------------------------------
    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        src_path = self._format_path(self._map_path(src))
        dst_path = self._format_path(self._map_path(dst))
        if self.isdir(dst_path):
            dst_path = self.join_path(dst_path, src_path.split("/")[-1])
        if src_path == dst_path:
            raise SameFileError("src and dst should not be same")
        self.put(self.get(src_path), dst_path)
        return dst_path

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        src_path = self._format_path(self._map_path(src))
        dst_path = self._format_path(self._map_path(dst))
        if self.exists(dst_path):
            raise FileExistsError("dst should not exist")
        for relative in self.list_dir_or_file(src_path, list_dir=False, recursive=True):
            self.put(self.get(self.join_path(src_path, relative)),
                     self.join_path(dst_path, relative))
        return dst_path

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        dst_path = self._format_path(self._map_path(dst))
        if self.isdir(dst_path):
            dst_path = self.join_path(dst_path, osp.basename(src))
        with open(src, "rb") as stream:
            self.put(stream.read(), dst_path)
        return dst_path

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        dst_path = self._format_path(self._map_path(dst))
        if self.exists(dst_path):
            raise FileExistsError("dst should not exist")
        root = str(src)
        for folder, _, files in os.walk(root):
            for name in files:
                local = osp.join(folder, name)
                self.copyfile_from_local(local, self.join_path(dst_path, local.replace(root, "")))
        return dst_path

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        if osp.isdir(dst):
            name = osp.basename(src)
            dst = osp.join(dst, name) if isinstance(dst, str) else Path(dst) / name
        with open(dst, "wb") as stream:
            stream.write(self.get(src))
        return dst

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        return copy_tree_to_local(self, src, dst)

    # -- removing and listing ------------------------------------------------------------
    def remove(self, filepath: PathLike) -> None:
        self._require("delete")
        if not self.exists(filepath):
            raise FileNotFoundError(f"filepath {filepath} does not exist")
        if self.isdir(filepath):
            raise IsADirectoryError("filepath should be a file")
        self._client.delete(self._client_path(filepath))

    def rmtree(self, dir_path: PathLike) -> None:
        for relative in self.list_dir_or_file(dir_path, list_dir=False, recursive=True):
            self.remove(self.join_path(dir_path, relative))

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Object storage has no links: always copies and returns False."""
        return copy_instead_of_link(self, src, dst)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Paths relative to ``dir_path``; Petrel marks folders with a trailing '/'."""
        self._require("list")
        root = self._client_path(dir_path)
        if list_dir and suffix is not None:
            raise TypeError("`list_dir` should be False when `suffix` is not None")
        check_suffix_args(False, suffix)
        if not root.endswith("/"):
            root += "/"
        return self._walk(root, root, list_dir, list_file, suffix, recursive)

    def _walk(
        self, root: str, current: str, list_dir: bool, list_file: bool,
        suffix: str | tuple[str, ...] | None, recursive: bool,
    ) -> Iterator[str]:
        for entry in self._client.list(current):
            absolute = self.join_path(current, entry)
            if entry.endswith("/"):
                if list_dir:
                    yield absolute[len(root):-1]
                if recursive:
                    yield from self._walk(root, absolute, list_dir, list_file, suffix,
                                          recursive)
            else:
                relative = absolute[len(root):]
                if list_file and (suffix is None or relative.endswith(suffix)):
                    yield relative

    def generate_presigned_url(
        self, url: str, client_method: str = "get_object", expires_in: int = 3600
    ) -> str:
        """A time-limited URL for ``url`` (e.g. for a video reader)."""
        return self._client.generate_presigned_url(url, client_method, expires_in)
