"""The interface every serialisation format of :func:`mmlight.fileio.load`/``dump`` provides."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import IO, Any

__all__ = ["BaseFileHandler"]


class BaseFileHandler(metaclass=ABCMeta):
    """Reads and writes one format through file objects.

    ``str_like`` says whether the format is text (True: ``load``/``dump`` hand it a
    ``StringIO``) or bytes (False: a ``BytesIO``), so storage backends only move bytes or text.
    """

    str_like = True

    @abstractmethod
    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        """The object serialised in the open ``file``."""

    @abstractmethod
    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        """Serialise ``obj`` into the open ``file``."""

    @abstractmethod
    def dump_to_str(self, obj: Any, **kwargs: Any) -> Any:
        """``obj`` serialised in memory (``str`` for text formats, ``bytes`` otherwise)."""

    def load_from_path(self, filepath: str, mode: str = "r", **kwargs: Any) -> Any:
        with open(filepath, mode) as file:
            return self.load_from_fileobj(file, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = "w", **kwargs: Any) -> None:
        with open(filepath, mode) as file:
            self.dump_to_fileobj(obj, file, **kwargs)
