"""Named, globally reachable instances (MessageHub, DefaultScope, loggers, visualizers).

A class deriving from :class:`ManagerMixin` keeps its own table of instances by name, so
code far from the Runner can reach "the current one" without threading it through calls.
mmengine does this with a metaclass; here ``__init_subclass__`` gives every subclass its own
table, which avoids metaclass conflicts when mixing with ``abc.ABC`` or other metaclasses.
"""

from __future__ import annotations

import inspect
import threading
import warnings
from collections import OrderedDict
from typing import Any, ClassVar, TypeVar

__all__ = ["ManagerArgumentError", "ManagerMeta", "ManagerMixin", "ManagerNameError"]

_lock = threading.RLock()


class ManagerArgumentError(TypeError, AssertionError):
    """A class that cannot take ``name``, or a name that is not a str (mmengine asserts)."""


class ManagerNameError(ValueError, AssertionError):
    """An empty instance name (mmengine asserts)."""

_T = TypeVar("_T", bound="ManagerMixin")


def _check_has_name_argument(cls: type) -> None:
    """Instances are created as ``cls(name=..., **kwargs)``: fail at class definition otherwise."""
    try:
        params = inspect.signature(vars(cls).get("__init__") or cls).parameters
    except (TypeError, ValueError):  # builtin __init__ without a signature: nothing to check
        return
    if "name" not in params:
        raise ManagerArgumentError(
            f"{cls.__module__}.{cls.__qualname__}.__init__ must accept a `name` argument "
            "because ManagerMixin creates instances as cls(name=..., **kwargs)"
        )


class ManagerMeta(type):
    """Metaclass kept for code that names it; ManagerMixin itself does not need it.

    Classes built with it get their own instance table and must accept ``name``.
    """

    def __init__(cls, *args: Any) -> None:
        super().__init__(*args)
        cls._instance_dict: OrderedDict[str, Any] = OrderedDict()
        _check_has_name_argument(cls)


class ManagerMixin:
    """Base class whose instances are created and looked up by name.

    ``get_instance(name, **kwargs)`` creates the instance on first use and returns the same
    object afterwards; ``get_current_instance()`` returns the most recently created one.
    """

    _instance_dict: ClassVar[OrderedDict[str, Any]] = OrderedDict()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._instance_dict = OrderedDict()
        _check_has_name_argument(cls)

    def __init__(self, name: str = "", **kwargs: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ManagerNameError(
                f"name argument must be an non-empty string: {type(self).__name__} got {name!r}"
            )
        self._instance_name = name

    @classmethod
    def get_instance(cls: type[_T], name: str, **kwargs: Any) -> _T:
        """Return the instance called ``name``, creating it with ``kwargs`` if it does not exist.

        Extra ``kwargs`` for an existing instance are ignored with a warning, as in mmengine.
        """
        if not isinstance(name, str):
            raise ManagerArgumentError(
                f"{cls.__name__}.get_instance() needs a str name, but got "
                f"{type(name).__name__}: {name!r}"
            )
        with _lock:
            instances = cls._instance_dict
            if name not in instances:
                instances[name] = cls(name=name, **kwargs)
            elif kwargs:
                warnings.warn(
                    f"{cls} instance named of {name} has been created, the method "
                    "`get_instance` should not accept any other arguments",
                    stacklevel=2,
                )
            return instances[name]

    @classmethod
    def get_current_instance(cls: type[_T]) -> _T:
        """Return the most recently created instance; RuntimeError if none was created yet."""
        with _lock:
            if not cls._instance_dict:
                raise RuntimeError(
                    f"Before calling {cls.__name__}.get_current_instance(), you should call "
                    "get_instance(name=xxx) at least once."
                )
            name = next(reversed(cls._instance_dict))
            return cls._instance_dict[name]

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        """Whether an instance called ``name`` exists."""
        return name in cls._instance_dict

    @property
    def instance_name(self) -> str:
        """The name this instance was registered under."""
        return self._instance_name
