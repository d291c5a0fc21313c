"""``BaseDataElement``: one sample's annotations or predictions, passed between components.

Datasets, models, metrics and visualizers exchange these objects, so a model can attach a
prediction next to the ground truth without agreeing on a dict layout. Every attribute belongs
to one of two groups:

* **metainfo** (image shape, file name, ...): set with :meth:`BaseDataElement.set_metainfo`,
  deep-copied on the way in, listed by ``metainfo_keys``/``metainfo_values``/``metainfo_items``;
* **data** (boxes, masks, scores, nested elements): set with ``element.name = value`` or
  :meth:`BaseDataElement.set_data`, listed by ``keys``/``values``/``items``; the tensor methods
  (``to``, ``cpu``, ``cuda``, ``numpy``, ...) apply to these only.

A name lives in one group only. Subclasses may expose a data field through a property whose
setter calls ``set_field(value, '_name', dtype=...)``; ``keys()`` then lists ``name`` and hides the
private ``_name``. Behaviour, error types and messages follow mmengine 0.10.7's class.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch

from ._checks import require

__all__ = ["BaseDataElement"]

_Element = TypeVar("_Element", bound="BaseDataElement")

#: Attributes holding the field bookkeeping: set once by ``__init__``, never replaced or deleted.
_FIELD_SETS = ("_metainfo_fields", "_data_fields")
_FIELD_TYPES = ("metainfo", "data")


def _immutable_error(name: str) -> AttributeError:
    return AttributeError(f"{name} has been used as a private attribute, which is immutable.")


class BaseDataElement:
    """Annotations or predictions of one sample, split into metainfo and data fields.

    Args:
        metainfo: meta information of the sample (e.g. ``img_shape``); deep-copied.
        **kwargs: data fields, set one by one as attributes.
    """

    _metainfo_fields: set[str]
    _data_fields: set[str]

    def __init__(self, *, metainfo: dict | None = None, **kwargs: Any) -> None:
        self._metainfo_fields = set()
        self._data_fields = set()
        if metainfo is not None:
            self.set_metainfo(metainfo=metainfo)
        if kwargs:
            self.set_data(kwargs)

    # -- setting fields -------------------------------------------------------------------

    def set_metainfo(self, metainfo: dict) -> None:
        """Add or replace metainfo fields with a deep copy of ``metainfo``'s items."""
        require(
            isinstance(metainfo, dict), f"metainfo should be a ``dict`` but got {type(metainfo)}"
        )
        for name, value in copy.deepcopy(metainfo).items():
            self.set_field(name=name, value=value, field_type="metainfo", dtype=None)

    def set_data(self, data: dict) -> None:
        """Add or replace data fields; goes through ``setattr`` so subclass properties apply."""
        require(isinstance(data, dict), f"data should be a `dict` but got {data}")
        for name, value in data.items():
            setattr(self, name, value)

    def update(self, instance: BaseDataElement) -> None:
        """Copy ``instance``'s metainfo and data fields into this element."""
        require(
            isinstance(instance, BaseDataElement),
            f"instance should be a `BaseDataElement` but got {type(instance)}",
        )
        self.set_metainfo(dict(instance.metainfo_items()))
        self.set_data(dict(instance.items()))

    def set_field(
        self,
        value: Any,
        name: str,
        dtype: type | tuple[type, ...] | None = None,
        field_type: str = "data",
    ) -> None:
        """Store ``value`` as field ``name`` of ``field_type``; property setters call this.

        ``dtype``, when given, is the type(s) ``value`` must be an instance of. The name is
        recorded before the value is stored, as mmengine does, so a setter that rejects the
        value leaves the name listed.
        """
        require(field_type in _FIELD_TYPES)
        if dtype is not None:
            require(isinstance(value, dtype), f"{value} should be a {dtype} but got {type(value)}")
        if field_type == "metainfo":
            if name in self._data_fields:
                raise AttributeError(
                    f"Cannot set {name} to be a field of metainfo "
                    f"because {name} is already a data field"
                )
            self._metainfo_fields.add(name)
        else:
            if name in self._metainfo_fields:
                raise AttributeError(
                    f"Cannot set {name} to be a field of data "
                    f"because {name} is already a metainfo field"
                )
            self._data_fields.add(name)
        object.__setattr__(self, name, value)

    if TYPE_CHECKING:
        # Fields are dynamic: let type checkers accept ``element.any_field``. Only for
        # checkers; at runtime a missing field raises AttributeError as usual.
        def __getattr__(self, name: str) -> Any: ...

    def __setattr__(self, name: str, value: Any) -> None:
        """``element.name = value`` sets a data field; the two field sets are write-once."""
        if name in _FIELD_SETS:
            if hasattr(self, name):
                raise _immutable_error(name)
            object.__setattr__(self, name, value)
        else:
            self.set_field(name=name, value=value, field_type="data", dtype=None)

    def __delattr__(self, item: str) -> None:
        """Delete a field (or any other instance attribute) and forget its name."""
        if item in _FIELD_SETS:
            raise _immutable_error(item)
        object.__delattr__(self, item)
        if item in self._metainfo_fields:
            self._metainfo_fields.remove(item)
        elif item in self._data_fields:
            self._data_fields.remove(item)

    __delitem__ = __delattr__

    # -- reading fields -------------------------------------------------------------------

    def keys(self) -> list:
        """Names of the data fields, hiding ``_name`` where ``name`` is a class property."""
        owner = type(self)
        hidden = {
            "_" + name
            for name in self._data_fields
            if isinstance(getattr(owner, name, None), property)
        }
        return list(self._data_fields - hidden)

    def metainfo_keys(self) -> list:
        """Names of the metainfo fields."""
        return list(self._metainfo_fields)

    def all_keys(self) -> list:
        """Metainfo names followed by data names."""
        return self.metainfo_keys() + self.keys()

    def values(self) -> list:
        """Values of the data fields, in ``keys()`` order."""
        return [getattr(self, name) for name in self.keys()]

    def metainfo_values(self) -> list:
        """Values of the metainfo fields, in ``metainfo_keys()`` order."""
        return [getattr(self, name) for name in self.metainfo_keys()]

    def all_values(self) -> list:
        """Metainfo values followed by data values."""
        return self.metainfo_values() + self.values()

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` pairs of the data fields."""
        for name in self.keys():
            yield name, getattr(self, name)

    def metainfo_items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` pairs of the metainfo fields."""
        for name in self.metainfo_keys():
            yield name, getattr(self, name)

    def all_items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` pairs of metainfo, then data."""
        for name in self.all_keys():
            yield name, getattr(self, name)

    @property
    def metainfo(self) -> dict:
        """The metainfo fields as a new dict."""
        return dict(self.metainfo_items())

    def get(self, key: str, default: Any = None) -> Any:
        """``getattr(self, key, default)``: properties (and methods) are found too."""
        return getattr(self, key, default)

    def pop(self, *args: Any) -> Any:
        """``pop(name[, default])`` removes a metainfo or data field and returns its value.

        Without a default, a name that is neither field raises ``KeyError``.
        """
        require(len(args) < 3, "``pop`` get more than 2 arguments")
        name = args[0]
        for fields in (self._metainfo_fields, self._data_fields):
            if name in fields:
                fields.remove(name)
                return self.__dict__.pop(*args)
        if len(args) == 2:
            return args[1]
        raise KeyError(f"{name} is not contained in metainfo or data")

    def __contains__(self, item: str) -> bool:
        """Whether ``item`` names a data or metainfo field."""
        return item in self._data_fields or item in self._metainfo_fields

    # -- copies -----------------------------------------------------------------------------

    def new(self: _Element, *, metainfo: dict | None = None, **kwargs: Any) -> _Element:
        """An element of the same class with ``metainfo``/``kwargs``, or else this one's fields.

        Metainfo is deep-copied; data values are shared with this element.
        """
        fresh = self.__class__()
        fresh.set_metainfo(dict(self.metainfo_items()) if metainfo is None else metainfo)
        fresh.set_data(kwargs if kwargs else dict(self.items()))
        return fresh

    def clone(self: _Element) -> _Element:
        """Same as ``new()``: deep-copied metainfo, shared data values."""
        twin = self.__class__()
        twin.set_metainfo(dict(self.metainfo_items()))
        twin.set_data(dict(self.items()))
        return twin

    # -- tensor-like methods (data fields only; each returns a new element) ---------------

    def to(self: _Element, *args: Any, **kwargs: Any) -> _Element:
        """Call ``.to(*args, **kwargs)`` on every data value that has a ``to`` method."""
        return _converted(
            self, lambda value: hasattr(value, "to"), lambda value: value.to(*args, **kwargs)
        )

    def cpu(self: _Element) -> _Element:
        """Move tensors (and nested elements) in the data fields to the CPU."""
        return _converted(self, _is_tensor_or_element, lambda value: value.cpu())

    def cuda(self: _Element) -> _Element:
        """Move tensors (and nested elements) in the data fields to the current CUDA device."""
        return _converted(self, _is_tensor_or_element, lambda value: value.cuda())

    def musa(self: _Element) -> _Element:
        """Move tensors (and nested elements) in the data fields to a MUSA device."""
        return _converted(self, _is_tensor_or_element, lambda value: value.musa())

    def npu(self: _Element) -> _Element:
        """Move tensors (and nested elements) in the data fields to an Ascend NPU."""
        return _converted(self, _is_tensor_or_element, lambda value: value.npu())

    def mlu(self: _Element) -> _Element:
        """Move tensors (and nested elements) in the data fields to a Cambricon MLU."""
        return _converted(self, _is_tensor_or_element, lambda value: value.mlu())

    def detach(self: _Element) -> _Element:
        """Detach tensors (and nested elements) in the data fields from the autograd graph."""
        return _converted(self, _is_tensor_or_element, lambda value: value.detach())

    def numpy(self: _Element) -> _Element:
        """Turn tensors (and nested elements) in the data fields into numpy arrays."""
        return _converted(self, _is_tensor_or_element, lambda value: value.detach().cpu().numpy())

    def to_tensor(self: _Element) -> _Element:
        """Turn numpy arrays (and nested elements) in the data fields into tensors."""
        return _converted(
            self,
            lambda value: isinstance(value, (np.ndarray, BaseDataElement)),
            lambda value: (
                torch.from_numpy(value) if isinstance(value, np.ndarray) else value.to_tensor()
            ),
        )

    # -- conversion and display -------------------------------------------------------------

    def to_dict(self) -> dict:
        """All fields (metainfo first) as a dict; nested elements become dicts too."""
        return {
            name: value.to_dict() if isinstance(value, BaseDataElement) else value
            for name, value in self.all_items()
        }

    def __repr__(self) -> str:
        """Both field groups, one ``name: value`` line each, nested elements indented."""
        return _describe(self)


def _is_tensor_or_element(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, BaseDataElement))


def _converted(
    element: _Element, applies: Callable[[Any], bool], fn: Callable[[Any], Any]
) -> _Element:
    """``element.new()`` with ``fn(value)`` in place of each data value that ``applies``."""
    converted = element.new()
    for name, value in element.items():
        if applies(value):
            converted.set_data({name: fn(value)})
    return converted


def _indent_after_first_line(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    if not rest:
        return text
    pad = " " * spaces
    return "\n".join([first, *(pad + line for line in rest)])


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        return "".join(
            f"\n{key}: {_indent_after_first_line(_describe(value), 4)}"
            for key, value in obj.items()
        )
    if isinstance(obj, BaseDataElement):
        body = (
            "\n\n    META INFORMATION"
            + _indent_after_first_line(_describe(dict(obj.metainfo_items())), 4)
            + "\n\n    DATA FIELDS"
            + _indent_after_first_line(_describe(dict(obj.items())), 4)
        )
        return f"<{obj.__class__.__name__}({body}\n) at {hex(id(obj))}>"
    return repr(obj)
