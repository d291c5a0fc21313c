"""Pickle files of user data (annotations, caches), plain :mod:`pickle` as in mmengine.

This is not the checkpoint reader (that one is :mod:`mmlight.runner.checkpoint`, which refuses
to unpickle code); like any pickle, load only files you trust.
"""

from __future__ import annotations

import pickle
from typing import IO, Any

from mmlight.fileio.handlers.base import BaseFileHandler

__all__ = ["PickleHandler"]


class PickleHandler(BaseFileHandler):
    """Binary format; ``protocol`` defaults to 2, mmengine's choice, so files stay readable
    by the same readers as mmengine's."""

    str_like = False

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        return pickle.load(file, **kwargs)  # user data files, as in mmengine

    def load_from_path(self, filepath: str, mode: str = "rb", **kwargs: Any) -> Any:
        return super().load_from_path(filepath, mode=mode, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> bytes:
        kwargs.setdefault("protocol", 2)
        return pickle.dumps(obj, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault("protocol", 2)
        pickle.dump(obj, file, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = "wb", **kwargs: Any) -> None:
        super().dump_to_path(obj, filepath, mode=mode, **kwargs)
