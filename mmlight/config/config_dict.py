"""``ConfigDict``: the dict with attribute access that holds every loaded config.

Same contract as mmengine's (an addict ``Dict`` subclass), written as a plain ``dict``
subclass: plain dicts stored in it become ``ConfigDict`` (user dict subclasses are kept),
``d.x`` reads ``d['x']``, a missing attribute raises ``AttributeError`` and a missing item
``KeyError``. Values that are :class:`LazyObject`/:class:`LazyAttr` are imported when read,
unless the class flag ``ConfigDict.lazy`` is set (the lazy-config loader sets it while a
config runs, so reading ``type=SGD`` there does not import torch).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from .errors import ConfigAttributeError, ConfigKeyError
from .lazy import LazyAttr, LazyObject

__all__ = ["DELETE_KEY", "ConfigDict", "lazy2string"]

DELETE_KEY = "_delete_"
_MISSING = object()


def lazy2string(value: Any, dict_type: type | None = None) -> Any:
    """Copy ``value`` with every lazy import replaced by its dotted name.

    Nested dicts become ``dict_type`` (default: the type of the outermost dict).
    """
    if isinstance(value, dict):
        dict_type = dict_type or type(value)
        return dict_type({k: lazy2string(v, dict_type) for k, v in dict.items(value)})
    if isinstance(value, (list, tuple)):
        return _rebuild_sequence(value, (lazy2string(v, dict_type) for v in value))
    if isinstance(value, (LazyObject, LazyAttr)):
        return f"{value.module}.{value}"
    return value


def _rebuild_sequence(seq: list | tuple, items: Any) -> list | tuple:
    if isinstance(seq, tuple) and hasattr(seq, "_fields"):  # namedtuple
        return type(seq)(*items)
    return type(seq)(items)


class ConfigDict(dict):
    """A ``dict`` whose keys can also be read and written as attributes."""

    lazy = False

    def __init__(self, /, *args: Any, **kwargs: Any):
        super().__init__()
        for arg in args:
            if not arg:
                continue
            if isinstance(arg, dict):
                # ``dict.items`` so lazy values are copied, not imported.
                for key, val in dict.items(arg):
                    self[key] = self._hook(val)
            elif isinstance(arg, tuple) and not isinstance(arg[0], tuple):
                self[arg[0]] = self._hook(arg[1])
            else:
                for key, val in iter(arg):
                    self[key] = self._hook(val)
        for key, val in kwargs.items():
            self[key] = self._hook(val)

    @classmethod
    def _hook(cls, item: Any) -> Any:
        """Convert plain dicts (also inside lists/tuples) to ``ConfigDict``."""
        if type(item) in (dict, OrderedDict):
            return cls(item)
        if isinstance(item, (list, tuple)):
            return _rebuild_sequence(item, (cls._hook(elem) for elem in item))
        return item

    def build_lazy(self, value: Any) -> Any:
        """Import ``value`` if it is a lazy import and ``ConfigDict.lazy`` is off."""
        if isinstance(value, (LazyObject, LazyAttr)) and not self.lazy:
            value = value.build()
        return value

    # ------------------------------------------------------------------ access
    def __missing__(self, key: Any) -> Any:
        raise ConfigKeyError(f"{key!r} is not a key of this ConfigDict.").with_hint(
            key, dict.keys(self)
        )

    def __getitem__(self, key: Any) -> Any:
        return self.build_lazy(super().__getitem__(key))

    def __getattr__(self, name: str) -> Any:
        try:
            value = dict.__getitem__(self, name)
        except KeyError:
            raise ConfigAttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'."
            ).with_hint(name, [k for k in dict.keys(self) if isinstance(k, str)]) from None
        return self.build_lazy(value)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, self._hook(value))

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(type(self), name):
            raise ConfigAttributeError(
                f"'{type(self).__name__}' object attribute '{name}' is read-only: it is a "
                f"method name; set the key with cfg[{name!r}] = ... instead"
            )
        self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __iter__(self) -> Iterator[Any]:
        # Overriding __iter__ makes ``**cfg`` and ``dict(cfg)`` go through __getitem__,
        # so they see imported objects rather than lazy placeholders.
        return iter(self.keys())

    def get(self, key: Any, default: Any = None) -> Any:
        return self.build_lazy(super().get(key, default))

    def pop(self, key: Any, default: Any = None) -> Any:
        # Like mmengine, a missing key returns ``default`` (None) rather than raising.
        return self.build_lazy(super().pop(key, default))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self.build_lazy(v) for v in super().values()]

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        return [(k, self.build_lazy(v)) for k, v in super().items()]

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update recursively: a dict value merges into an existing dict value."""
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        other: dict[Any, Any] = {}
        if args:
            source = args[0]
            pairs = dict.items(source) if isinstance(source, dict) else dict(source).items()
            other.update(pairs)
        other.update(kwargs)
        for key, value in other.items():
            if key in self and isinstance(self[key], dict) and isinstance(value, dict):
                self[key].update(value)
            else:
                self[key] = value

    # ------------------------------------------------------------------ copies
    def __copy__(self) -> ConfigDict:
        other = type(self)()
        for key, value in dict.items(self):
            other[key] = value
        return other

    copy = __copy__

    def __deepcopy__(self, memo: dict[int, Any]) -> ConfigDict:
        other = type(self)()
        memo[id(self)] = other
        for key, value in dict.items(self):
            other[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
        return other

    def deepcopy(self) -> ConfigDict:
        return copy.deepcopy(self)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Pickle the raw contents; the default protocol would call ``items()`` and import.
        return (type(self), (dict(dict.items(self)),), None, None, None, None)

    # ------------------------------------------------------------------ merge
    def merge(self, other: dict) -> None:
        """Merge ``other`` into this dict, recursively; ``_delete_=True`` replaces."""
        merged = _merge_for_configdict(copy.deepcopy(other), copy.deepcopy(self))
        self.clear()
        for key, value in merged.items():
            self[key] = value

    def __or__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        new = copy.deepcopy(self)
        new.update(copy.deepcopy(other))
        return new

    def __ror__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        new = type(self)(copy.deepcopy(other))
        new.update(copy.deepcopy(self))
        return new

    def __ior__(self, other: Any) -> ConfigDict:
        self.update(other)
        return self

    # ------------------------------------------------------------------ compare / export
    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConfigDict):
            return bool(other.to_dict() == self.to_dict())
        if isinstance(other, dict):
            return dict(self.items()) == other
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def _to_lazy_dict(self) -> dict:
        """Plain nested dicts, lazy imports left as they are."""

        def convert(data: Any) -> Any:
            if isinstance(data, dict):
                return {key: convert(value) for key, value in dict.items(data)}
            if isinstance(data, (list, tuple)):
                return _rebuild_sequence(data, (convert(item) for item in data))
            return data

        return convert(self)

    def to_dict(self) -> dict:
        """Plain nested dicts, lazy imports written as dotted names (``'torch.optim.SGD'``)."""
        return lazy2string(self, dict_type=dict)


def _merge_for_configdict(a: Any, b: Any) -> Any:
    """``ConfigDict.merge``'s rule: dicts merge key by key (b's order first), else a wins."""
    if isinstance(a, dict):
        if not isinstance(b, dict):
            a.pop(DELETE_KEY, None)
            return a
        if a.pop(DELETE_KEY, False):
            b.clear()
        keys = list(b.keys()) + list(a.keys())
        return {
            key: _merge_for_configdict(a.get(key, _MISSING), b.get(key, _MISSING))
            for key in keys
            if key != DELETE_KEY
        }
    return b if a is _MISSING else a
