"""Which handler serves which file extension, and how users add their own formats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mmlight.fileio.handlers.base import BaseFileHandler
from mmlight.fileio.handlers.json_handler import JsonHandler
from mmlight.fileio.handlers.pickle_handler import PickleHandler
from mmlight.fileio.handlers.yaml_handler import YamlHandler

__all__ = ["file_handlers", "register_handler"]

#: extension (without the dot) -> handler instance; ``load``/``dump`` look formats up here.
file_handlers: dict[str, BaseFileHandler] = {
    "json": JsonHandler(),
    "yaml": YamlHandler(),
    "yml": YamlHandler(),
    "pickle": PickleHandler(),
    "pkl": PickleHandler(),
}

HandlerT = TypeVar("HandlerT", bound=type)


def _register_handler(handler: BaseFileHandler, file_formats: str | list[str]) -> None:
    """Serve ``file_formats`` with the handler instance ``handler`` (replacing any other)."""
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(
            f"handler must be a child of BaseFileHandler, not {type(handler)}")
    if isinstance(file_formats, str):
        file_formats = [file_formats]
    if not isinstance(file_formats, list) or not all(isinstance(f, str) for f in file_formats):
        raise TypeError("file_formats must be a str or a list of str")
    for ext in file_formats:
        file_handlers[ext] = handler


def register_handler(
    file_formats: str | list[str], **kwargs: Any
) -> Callable[[HandlerT], HandlerT]:
    """Class decorator: ``file_formats`` are served by an instance ``cls(**kwargs)``.

    Usable as ``@register_handler('txt')`` or called as ``register_handler(['a', 'b'])(Cls)``;
    the class is returned unchanged.
    """

    def wrap(cls: HandlerT) -> HandlerT:
        _register_handler(cls(**kwargs), file_formats)
        return cls

    return wrap
