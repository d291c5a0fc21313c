"""JSON files, with numpy values, sets and ranges written as plain JSON like mmengine."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from mmlight.fileio.handlers.base import BaseFileHandler

__all__ = ["JsonHandler", "set_default"]


def set_default(obj: Any) -> Any:
    """``json``'s ``default`` hook: sets/ranges become lists, numpy arrays and scalars their
    Python values; anything else is refused.

    numpy is looked up only if already imported (an object cannot be a numpy value
    otherwise), so JSON support never imports it.
    """
    if isinstance(obj, (set, range)):
        return list(obj)
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
    raise TypeError(f"{type(obj)} is unsupported for json dump")


class JsonHandler(BaseFileHandler):
    """``json`` with :func:`set_default` as the default ``default`` hook."""

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        return json.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault("default", set_default)
        json.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", set_default)
        return json.dumps(obj, **kwargs)
