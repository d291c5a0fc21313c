"""The interface of a storage backend: what ``mmlight.fileio``'s functions call on one."""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Protocol

__all__ = ["BaseStorageBackend", "copy_instead_of_link"]


class _Copies(Protocol):
    def isfile(self, filepath: Any) -> bool: ...

    def copyfile(self, src: Any, dst: Any) -> Any: ...

    def copytree(self, src: Any, dst: Any) -> Any: ...


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
