"""Placeholders for imports in pure-Python ("lazy") configs.

Loading a config must not import torch or a model zoo just to read ``type=SGD``, so the
loader turns ``from torch.optim import SGD`` into ``SGD = LazyObject('torch.optim', 'SGD')``.
The real object is imported only when the value is read from a ``ConfigDict`` outside the
loader; ``to_dict()`` writes it as the dotted string ``'torch.optim.SGD'``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from .errors import ConfigImportError, ConfigModuleNotFoundError, ConfigParsingError

__all__ = ["LazyAttr", "LazyObject", "read_base"]

logger = logging.getLogger(__name__)
_warned: set[str] = set()  # mmengine fallbacks already reported


@contextmanager
def read_base() -> Iterator[None]:
    """Mark the ``from .base import *`` lines of a pure-Python config as inheritance.

    The loader rewrites the block before running the config, so at run time this does nothing.
    """
    yield


def _is_mmengine_name(module: str) -> bool:
    return module == "mmengine" or module.startswith("mmengine.")


def _import(module: str) -> ModuleType:
    """Import ``module``; for ``mmengine.*`` names prefer mmlight's module of the same path."""
    if _is_mmengine_name(module):
        from mmlight.utils import import_module_prefer_mmlight

        return import_module_prefer_mmlight(module)
    return importlib.import_module(module)


def _mmengine_attr(module: str, name: str) -> tuple[bool, Any]:
    """Look ``name`` up in mmengine's own ``module`` (the fallback when mmlight lacks it)."""
    try:
        real = importlib.import_module(module)
    except ImportError:
        return False, None
    if not hasattr(real, name):
        return False, None
    if f"{module}.{name}" not in _warned:
        _warned.add(f"{module}.{name}")
        logger.warning(
            "%s.%s has no mmlight counterpart; using mmengine's object, which may not work "
            "with mmlight's Runner.",
            module,
            name,
        )
    return True, getattr(real, name)


def _import_failed(what: str, location: str | None, error: ImportError) -> ConfigImportError:
    where = f" (imported in {location})" if location else ""
    cls = ConfigModuleNotFoundError if isinstance(error, ModuleNotFoundError) else ConfigImportError
    return cls(f"Failed to import {what}{where}: {error}")


class LazyObject:
    """An import in a config that is performed only when the value is used.

    Args:
        module: the module path (``'torch.optim'``), or a list of module paths for several
            ``import a.b`` / ``import a.c`` lines that all bind the top-level name ``a``.
        imported: the name imported from ``module`` (``'SGD'``), or None for a module.
        location: ``"<file>, line <n>"`` of the import, for error messages.
    """

    def __init__(
        self,
        module: str | list[str] | tuple[str, ...],
        imported: str | None = None,
        location: str | None = None,
    ):
        if not isinstance(module, str) and not (
            isinstance(module, (list, tuple)) and all(isinstance(m, str) for m in module)
        ):
            raise TypeError(
                f"LazyObject: module must be a str or a list/tuple of str, "
                f"got {type(module).__name__}"
            )
        if imported is not None and not isinstance(imported, str):
            raise TypeError(
                f"LazyObject: imported must be a str or None, got {type(imported).__name__}"
            )
        self._module: str | list[str] | tuple[str, ...] = module
        self._imported = imported
        self.location = location

    @property
    def module(self) -> str:
        """The module part of the dotted name ``to_dict()`` writes."""
        if isinstance(self._module, str):
            return self._module
        return self._module[0].split(".")[0]

    def build(self) -> Any:
        """Import and return the real object."""
        if not isinstance(self._module, str):
            # ``import a.b`` + ``import a.c``: import every submodule, hand back ``a``.
            try:
                for name in self._module:
                    _import(name)
                return _import(self.module)
            except ImportError as e:
                raise _import_failed(self.module, self.location, e) from e

        try:
            module = _import(self._module)
        except ImportError as e:
            raise _import_failed(self._module, self.location, e) from e
        if self._imported is None:
            return module
        if hasattr(module, self._imported):
            return getattr(module, self._imported)
        if _is_mmengine_name(self._module) and module.__name__.startswith("mmlight"):
            # mmlight has the module but not this name yet: use mmengine's, if installed.
            found, obj = _mmengine_attr(self._module, self._imported)
            if found:
                return obj
        where = f" in {self.location}" if self.location else ""
        raise ConfigImportError(
            f"Failed to import {self._imported} from {self._module}{where}: "
            f"module {module.__name__!r} has no attribute {self._imported!r}"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ConfigParsingError(
            f"{self} is imported lazily in the config ({self.location}) and cannot be called "
            f"there; write dict(type={self}, ...) and let the registry build it"
        )

    def __getattr__(self, name: str) -> LazyAttr:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        # Attribute access has no line of its own; keep only the file.
        location = self.location.split(", line")[0] if self.location is not None else None
        return LazyAttr(name, self, location)

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyObject:
        return LazyObject(self._module, self._imported, self.location)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state

    def __str__(self) -> str:
        if self._imported is not None:
            return self._imported
        return self.module

    __repr__ = __str__


class LazyAttr:
    """An attribute of a :class:`LazyObject` (``nn.Linear`` after ``import torch.nn as nn``)."""

    def __init__(self, name: str, source: LazyObject | LazyAttr, location: str | None = None):
        self.name = name
        self.source = source
        if isinstance(source, LazyObject):
            if isinstance(source._module, str):
                if source._imported is None:
                    # ``import a.b as m``; ``m.x`` lives in ``a.b``.
                    self._module = source._module
                else:
                    # ``from a import b``; ``b.x`` lives in ``a.b``.
                    self._module = f"{source._module}.{source}"
            else:
                # ``import a.b``; ``a.x`` lives in ``a``.
                self._module = str(source)
        else:
            self._module = f"{source._module}.{source.name}"
        self.location = location

    @property
    def module(self) -> str:
        return self._module

    def build(self) -> Any:
        """Import the source and return this attribute of it."""
        obj = self.source.build()
        if hasattr(obj, self.name):
            return getattr(obj, self.name)
        if isinstance(obj, ModuleType):
            # A submodule nobody imported yet (mmlight's packages import theirs lazily).
            try:
                return importlib.import_module(f"{obj.__name__}.{self.name}")
            except ModuleNotFoundError:
                pass
        if _is_mmengine_name(self.module):
            found, value = _mmengine_attr(self.module, self.name)
            if found:
                return value
        where = f" in {self.location}" if self.location else ""
        raise ConfigImportError(
            f"Failed to import {self.module}.{self.name}{where}: "
            f"{self.module} has no attribute {self.name!r}"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ConfigParsingError(
            f"{self.module}.{self.name} is imported lazily in the config ({self.location}) and "
            f"cannot be called there; write dict(type=..., ...) and let the registry build it"
        )

    def __getattr__(self, name: str) -> LazyAttr:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return LazyAttr(name, self)

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyAttr:
        return LazyAttr(self.name, self.source, self.location)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__
