"""The interface of a storage backend: what ``mmlight.fileio``'s functions call on one."""

from __future__ import annotations

import logging
import os
import os.path as osp
from abc import ABCMeta, abstractmethod
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["BaseStorageBackend", "copy_instead_of_link", "copy_tree_to_local"]


class _Copies(Protocol):
    def isfile(self, filepath: Any) -> bool: ...

    def copyfile(self, src: Any, dst: Any) -> Any: ...

    def copytree(self, src: Any, dst: Any) -> Any: ...


class _Lists(Protocol):
    def get(self, filepath: Any) -> bytes: ...

    def join_path(self, filepath: Any, *parts: Any) -> Any: ...

    def list_dir_or_file(self, dir_path: Any, list_dir: bool = ..., list_file: bool = ...,
                         suffix: Any = ..., recursive: bool = ...) -> Iterator[str]: ...


def copy_tree_to_local(backend: _Lists, src: Any, dst: Any) -> Any:
    """``copytree_to_local`` of a remote backend: every file under ``src`` read and written
    below the local folder ``dst`` at the same relative path."""
    for relative in backend.list_dir_or_file(src, list_dir=False, recursive=True):
        local = osp.join(dst, relative)
        os.makedirs(osp.dirname(local), exist_ok=True)
        with open(local, "wb") as stream:
            stream.write(backend.get(backend.join_path(src, relative)))
    return dst


def copy_instead_of_link(backend: _Copies, src: Any, dst: Any) -> bool:
    """``copy_if_symlink_fails`` where no link was made: copy the file or folder; False."""
    if backend.isfile(src):
        backend.copyfile(src, dst)
    else:
        backend.copytree(src, dst)
    return False


class BaseStorageBackend(metaclass=ABCMeta):
    """A place files live. Every backend reads bytes (:meth:`get`) and text (:meth:`get_text`);
    the rest of ``mmlight.fileio``'s functions (``put``, ``exists``, ``copyfile`` ...) are
    methods a backend has where its storage supports them."""

    #: whether :meth:`copy_if_symlink_fails` can link; kept for mmengine's deprecated property.
    _allow_symlink = False

    @property
    def allow_symlink(self) -> bool:
        from mmlight.logging import print_log

        print_log("allow_symlink will be deprecated in future", logger="current",
                  level=logging.WARNING)
        return self._allow_symlink

    @property
    def name(self) -> str:
        return self.__class__.__name__

    @abstractmethod
    def get(self, filepath: Any) -> Any:
        """The bytes stored at ``filepath``."""

    @abstractmethod
    def get_text(self, filepath: Any) -> Any:
        """The text stored at ``filepath``."""
