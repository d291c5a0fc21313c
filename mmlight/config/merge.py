"""Merging a child config (or ``--cfg-options``) into a base config.

The rule is mmengine's ``Config._merge_a_into_b``: dicts merge key by key, any other child
value replaces the base value, a child dict meeting a base value that is not a dict is an
error unless the child dict says ``_delete_=True`` (then it replaces). With
``allow_list_keys`` a digit key indexes into a base list.

Errors name the key path and where the two sides came from; callers describe the sides with
a :class:`MergeSides`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config_dict import DELETE_KEY, ConfigDict
from .errors import ConfigKeyError, ConfigTypeError

__all__ = ["MergeSides", "merge_a_into_b"]


def _dotted(path: Sequence[object]) -> str:
    return ".".join(str(p) for p in path)


@dataclass
class MergeSides:
    """How to name the two sides of a merge in error messages."""

    child: str = "the child config"
    #: maps a top-level key to the file its base value came from
    base_file_of: Callable[[str], str | None] = field(default=lambda key: None)
    #: for ``merge_from_dict``: the option keys as the user wrote them
    option_keys: Sequence[str] | None = None

    def option_for(self, path: Sequence[object]) -> str | None:
        """The option key, as written, that reaches ``path``."""
        if self.option_keys is None:
            return None
        want = [str(p) for p in path]
        for key in self.option_keys:
            if key.split(".")[: len(want)] == want:
                return key
        return None

    def base_for(self, path: Sequence[object]) -> str:
        source = self.base_file_of(str(path[0])) if path else None
        return f"base config {source}" if source else "the base config"


def merge_a_into_b(
    a: dict,
    b: Any,
    allow_list_keys: bool = False,
    sides: MergeSides | None = None,
    _path: tuple[object, ...] = (),
) -> Any:
    """Return a copy of ``b`` with ``a`` merged into it (``a`` wins); neither is modified."""
    sides = sides or MergeSides()
    b = b.copy()
    for key, value in a.items():
        path = (*_path, key)
        if isinstance(b, list):
            b = _merge_into_list(key, value, b, allow_list_keys, sides, path)
        elif isinstance(value, dict):
            value = dict(value) if type(value) is dict else value.copy()
            if key in b and not value.pop(DELETE_KEY, False):
                allowed: tuple[type, ...] = (dict, list) if allow_list_keys else (dict,)
                if not isinstance(b[key], allowed):
                    raise _not_a_dict(path, value, b[key], sides)
                b[key] = merge_a_into_b(value, b[key], allow_list_keys, sides, path)
            else:
                b[key] = ConfigDict(value)
        else:
            b[key] = value
    return b


def _merge_into_list(
    key: Any,
    value: Any,
    b: list,
    allow_list_keys: bool,
    sides: MergeSides,
    path: tuple[object, ...],
) -> list:
    where = _dotted(path[:-1])
    option = sides.option_for(path)
    said = f" (option {option!r})" if option else ""
    if not allow_list_keys:
        raise ConfigTypeError(
            f"'{where}' is a list, so '{_dotted(path)}'{said} cannot index into it: "
            f"list keys are not allowed here (allow_list_keys=False)"
        )
    if not (isinstance(key, str) and key.isdigit()):
        raise ConfigTypeError(
            f"'{where}' is a list, so '{_dotted(path)}'{said} must use an integer index such "
            f"as '{where}.0', not {key!r}"
        )
    index = int(key)
    if index >= len(b):
        raise ConfigKeyError(
            f"Index {index} exceeds the length of list '{where}' (length {len(b)}) in "
            f"'{_dotted(path)}'{said}; lists cannot be extended by index"
        )
    current = b[index]
    if isinstance(value, dict):
        value = dict(value) if type(value) is dict else value.copy()
        if value.pop(DELETE_KEY, False):
            b[index] = ConfigDict(value)
        elif isinstance(current, (dict, list)):
            b[index] = merge_a_into_b(value, current, allow_list_keys, sides, path)
        else:
            raise _not_a_dict(path, value, current, sides)
    else:
        b[index] = value
    return b


def _not_a_dict(
    path: tuple[object, ...], value: Any, base_value: Any, sides: MergeSides
) -> Exception:
    dotted = _dotted(path)
    option = sides.option_for(path)
    if option is not None:
        return ConfigTypeError(
            f"{dotted}={value} in the options cannot be merged into the config because "
            f"{dotted} is a dict in option {option!r} but is of type "
            f"{type(base_value).__name__} in the config ({base_value!r}). You may set "
            f"`{DELETE_KEY}=True` in the dict to replace the value instead."
        )
    return ConfigTypeError(
        f"{dotted}={value} in child config {sides.child} cannot inherit from base because "
        f"{dotted} is a dict in the child config but is of type {type(base_value).__name__} "
        f"in {sides.base_for(path)} ({base_value!r}). You may set `{DELETE_KEY}=True` to "
        f"ignore the base config, e.g. {path[-1]}=dict({DELETE_KEY}=True, ...)."
    )
