"""Importing modules and objects named by strings in configs.

Configs name code by string: ``custom_imports = dict(imports=[...])`` and ``type='pkg.mod.Cls'``.
Migrated configs still say ``mmengine.<path>``; for those, mmlight's module of the same path is
preferred so a config written for mmengine builds mmlight's objects without edits.
"""

from __future__ import annotations

import logging
import warnings
from importlib import import_module
from types import ModuleType
from typing import Any, overload

__all__ = [
    "get_object_from_string",
    "import_module_prefer_mmlight",
    "import_modules_from_strings",
    "is_missing_module_error",
]

logger = logging.getLogger(__name__)

# mmengine paths already reported as resolved to mmengine itself (warn once per path).
_warned_mmengine: set[str] = set()

_MMENGINE = "mmengine"
_MMLIGHT = "mmlight"


def is_missing_module_error(err: ImportError, module_name: str) -> bool:
    """Whether ``err`` says that ``module_name`` itself (or one of its parents) does not exist.

    Tells "this module is not there" apart from "this module is there but one of *its* imports
    failed": the first may be tolerated, the second is a real bug that must surface.
    """
    if not isinstance(err, ModuleNotFoundError):
        return False
    missing = err.name
    if missing is None:
        return True
    return module_name == missing or module_name.startswith(missing + ".")


def _mmlight_alias(name: str) -> str | None:
    """``mmengine.x.y`` -> ``mmlight.x.y``; None for any other module path."""
    if name == _MMENGINE:
        return _MMLIGHT
    if name.startswith(_MMENGINE + "."):
        return _MMLIGHT + name[len(_MMENGINE) :]
    return None


def import_module_prefer_mmlight(name: str) -> ModuleType:
    """Import ``name``; for ``mmengine[.x]`` try ``mmlight[.x]`` first.

    Falls back to the real mmengine module only when the mmlight module does not exist; an
    mmlight module that exists but fails while importing raises its own error.
    """
    alias = _mmlight_alias(name)
    if alias is not None:
        try:
            return import_module(alias)
        except ModuleNotFoundError as err:
            if not is_missing_module_error(err, alias):
                raise
    return import_module(name)


@overload
def import_modules_from_strings(
    imports: str, allow_failed_imports: bool = False
) -> ModuleType | None: ...


@overload
def import_modules_from_strings(
    imports: list[str] | tuple[str, ...] | None, allow_failed_imports: bool = False
) -> list[ModuleType | None] | None: ...


def import_modules_from_strings(
    imports: str | list[str] | tuple[str, ...] | None, allow_failed_imports: bool = False
) -> ModuleType | list[ModuleType | None] | None:
    """Import the modules listed in a config's ``custom_imports``.

    A single string returns one module, a list returns a list, an empty value returns None
    (mmengine's contract). With ``allow_failed_imports`` a module that cannot be imported is
    replaced by None and a warning; otherwise an ImportError names the module and the config key.
    """
    if not imports:
        return None
    single = isinstance(imports, str)
    names: list[Any]
    if isinstance(imports, str):
        names = [imports]
    elif isinstance(imports, (list, tuple)):
        names = list(imports)
    else:
        raise TypeError(
            "custom_imports.imports must be a str or a list of module names, "
            f"but got {type(imports).__name__}: {imports!r}"
        )
    modules: list[ModuleType | None] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(
                f"custom_imports.imports entries must be module names (str), but got "
                f"{type(name).__name__}: {name!r}"
            )
        try:
            module: ModuleType | None = import_module_prefer_mmlight(name)
        except ImportError as err:
            if not allow_failed_imports:
                raise ImportError(
                    f"Failed to import {name!r} listed in custom_imports: "
                    f"{type(err).__name__}: {err}. Check that the module is installed and on "
                    "sys.path, or set custom_imports.allow_failed_imports=True to skip it.",
                    name=name,
                ) from err
            warnings.warn(
                f"{name!r} listed in custom_imports failed to import and is ignored: {err}",
                UserWarning,
                stacklevel=2,
            )
            module = None
        modules.append(module)
    return modules[0] if single else modules


def _resolve(path: str) -> Any | None:
    """Import the longest importable module prefix of ``path`` and walk attributes after it.

    No mmengine -> mmlight redirection here: the caller tries each spelling explicitly.
    """
    parts = path.split(".")
    if not all(parts):
        return None
    module: ModuleType | None = None
    consumed = 0
    for i in range(1, len(parts) + 1):
        mod_name = ".".join(parts[:i])
        # An attribute that is not a module wins over a submodule of the same name
        # (a function ``nms`` next to a module ``nms.py``), as in mmengine.
        if module is not None:
            attr = getattr(module, parts[i - 1], None)
            if attr is not None and not isinstance(attr, ModuleType):
                break
        try:
            module = import_module(mod_name)
        except ModuleNotFoundError as err:
            if not is_missing_module_error(err, mod_name):
                raise
            break
        consumed = i
    if module is None:
        return None
    obj: Any = module
    for part in parts[consumed:]:
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            return None
    return obj


_MISSING = object()


def get_object_from_string(path: str) -> Any | None:
    """Resolve a dotted path such as ``'torch.optim.SGD'`` to the object; None if it is not there.

    ``mmengine.<path>`` resolves to ``mmlight.<path>`` when mmlight has it, else to mmengine's.
    Unlike mmengine, a module that exists but raises while importing is not reported as "not
    found": its error propagates, because hiding it turns a real bug into a confusing lookup miss.
    """
    if not isinstance(path, str) or not path:
        return None
    alias = _mmlight_alias(path)
    if alias is None:
        return _resolve(path)
    found = _resolve(alias)
    if found is not None:
        return found
    found = _resolve(path)
    if found is not None and path not in _warned_mmengine:
        _warned_mmengine.add(path)
        logger.warning(
            "%r has no mmlight counterpart (%r); using mmengine's object, which may not work "
            "with mmlight's Runner.",
            path,
            alias,
        )
    return found
