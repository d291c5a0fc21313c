"""Serialisation formats of :func:`mmlight.fileio.load` and :func:`mmlight.fileio.dump`."""

from mmlight.fileio.handlers.base import BaseFileHandler
from mmlight.fileio.handlers.json_handler import JsonHandler
from mmlight.fileio.handlers.pickle_handler import PickleHandler
from mmlight.fileio.handlers.registry import file_handlers, register_handler
from mmlight.fileio.handlers.yaml_handler import YamlHandler

__all__ = [
    "BaseFileHandler",
    "JsonHandler",
    "PickleHandler",
    "YamlHandler",
    "file_handlers",
    "register_handler",
]
