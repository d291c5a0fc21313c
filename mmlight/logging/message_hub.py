"""MessageHub: where training components leave scalars and runtime facts for each other.

Scalars (losses, lr, times, metrics) accumulate in :class:`HistoryBuffer` objects; runtime
info (epoch, iter, best checkpoint, ...) is overwritten on every update. Each key is marked
"resumed" or not the first time it is written; only resumed keys go into ``state_dict()``,
i.e. into checkpoints.

The state dict has mmengine's layout (``log_scalars`` -> OrderedDict of HistoryBuffer,
``runtime_info`` -> OrderedDict, ``resumed_keys`` -> OrderedDict of bool), so one checkpoint
serves both libraries: ``load_state_dict`` also accepts mmengine's buffers and hubs (anything
with the same ``data``/``max_length`` or ``_log_scalars``/``_runtime_info``/``_resumed_keys``
attributes), and mmlight's buffers pickle into a form mmengine can rebuild.

``get_current_instance()`` with no hub yet creates one called ``'mmengine'`` (mmengine's name),
so code that asks for ``MessageHub.get_instance('mmengine')`` gets that same hub.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from typing import Any

import numpy as np

from mmlight.logging.errors import (
    InconsistentResumedKeyError,
    MessageHubKeyError,
    MessageHubValueError,
    did_you_mean,
)
from mmlight.logging.history_buffer import HistoryBuffer
from mmlight.logging.logger import print_log
from mmlight.utils.manager import ManagerMixin

__all__ = ["MessageHub"]

DEFAULT_INSTANCE_NAME = "mmengine"
_STATE_KEYS = ("log_scalars", "runtime_info", "resumed_keys")


def _as_history_buffer(value: Any) -> HistoryBuffer | None:
    """``value`` if it is a HistoryBuffer, a copy of it if it is mmengine's, else None."""
    if isinstance(value, HistoryBuffer):
        return value
    data = getattr(value, "data", None)
    max_length = getattr(value, "max_length", None)
    if (
        isinstance(data, tuple)
        and len(data) == 2
        and all(isinstance(a, np.ndarray) for a in data)
        and isinstance(max_length, int)
    ):
        buffer = HistoryBuffer(max_length=max(1, max_length))
        buffer._log_history, buffer._count_history = data[0].copy(), data[1].copy()
        return buffer
    return None


def _scalar_value(key: str, value: Any, what: str = "value") -> int | float:
    """A one-element number (int, float, numpy, tensor) as a Python number."""
    if isinstance(value, (np.ndarray, np.number)):
        if value.size != 1:
            raise MessageHubValueError(
                f"the {what} logged for {key!r} must have exactly one element, but got a numpy "
                f"value of shape {np.shape(value)}"
            )
        return value.item()
    if isinstance(value, (int, float)):
        return value
    numel = getattr(value, "numel", None)
    if callable(numel) and hasattr(value, "item"):
        if numel() != 1:
            raise MessageHubValueError(
                f"the {what} logged for {key!r} must have exactly one element, but got a "
                f"{type(value).__name__} of shape {tuple(getattr(value, 'shape', ()))}"
            )
        return value.item()
    raise MessageHubValueError(
        f"the {what} logged for {key!r} must be an int, float, numpy number or one-element "
        f"tensor, but got {type(value).__name__}: {value!r}"
    )


def _copy_or_reference(key: str, value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:
        print_log(
            f"{key} in message_hub cannot be copied, just return its reference.",
            logger="current",
            level=logging.WARNING,
        )
        return value


class MessageHub(ManagerMixin):
    """Shared store of logged scalars and runtime information, reachable by name.

    Args:
        name: instance name, for ``MessageHub.get_instance(name)``.
        log_scalars: initial ``{key: HistoryBuffer}``.
        runtime_info: initial ``{key: value}``.
        resumed_keys: ``{key: bool}``, whether each key of the two dicts goes into
            ``state_dict()``; keys not listed are not saved until they are updated.
    """

    def __init__(
        self,
        name: str,
        log_scalars: dict[str, HistoryBuffer] | None = None,
        runtime_info: dict[str, Any] | None = None,
        resumed_keys: dict[str, bool] | None = None,
    ) -> None:
        super().__init__(name)
        self._log_scalars: OrderedDict[str, HistoryBuffer] = self._parse_input(
            "log_scalars", log_scalars
        )
        self._runtime_info: OrderedDict[str, Any] = self._parse_input("runtime_info", runtime_info)
        self._resumed_keys: OrderedDict[str, bool] = self._parse_input("resumed_keys", resumed_keys)
        for key, value in self._log_scalars.items():
            if not isinstance(value, HistoryBuffer):
                raise MessageHubValueError(
                    f"log_scalars[{key!r}] must be a HistoryBuffer, but got {type(value).__name__}"
                )
        for key in self._resumed_keys:
            if key not in self._log_scalars and key not in self._runtime_info:
                raise MessageHubKeyError(
                    f"resumed_keys names {key!r}, which is in neither log_scalars nor runtime_info"
                )

    @staticmethod
    def _parse_input(name: str, value: Any) -> OrderedDict[str, Any]:
        if value is None:
            return OrderedDict()
        if isinstance(value, dict):
            return OrderedDict(value)
        raise TypeError(
            f"MessageHub({name}=...) must be a dict or None, but got {type(value).__name__}"
        )

    @classmethod
    def get_current_instance(cls) -> MessageHub:
        """The latest MessageHub; creates an empty ``'mmengine'`` one if there is none."""
        if not cls._instance_dict:
            cls.get_instance(DEFAULT_INSTANCE_NAME)
        return super().get_current_instance()

    # -- writing ---------------------------------------------------------------------------

    def _set_resumed_keys(self, key: str, resumed: bool) -> None:
        previous = self._resumed_keys.setdefault(key, resumed)
        if previous != resumed:
            raise InconsistentResumedKeyError(
                f"{key!r} was first logged with resumed={previous} and now with resumed={resumed}; "
                "a key's resumed flag cannot change"
            )

    def update_scalar(self, key: str, value: Any, count: int = 1, resumed: bool = True) -> None:
        """Append ``value`` (a number or one-element tensor/array) to the buffer ``key``."""
        number = _scalar_value(key, value)
        if not isinstance(count, int):
            raise MessageHubValueError(
                f"count for {key!r} must be an int, but got {type(count).__name__}: {count!r}"
            )
        self._set_resumed_keys(key, resumed)
        buffer = self._log_scalars.get(key)
        if buffer is None:
            self._log_scalars[key] = HistoryBuffer([number], [count])
        else:
            buffer.update(number, count)

    def update_scalars(self, log_dict: dict[str, Any], resumed: bool = True) -> None:
        """``update_scalar`` for each item; a value may be ``dict(value=..., count=...)``."""
        if not isinstance(log_dict, dict):
            raise MessageHubValueError(
                f"update_scalars() takes a dict, but got {type(log_dict).__name__}"
            )
        for key, item in log_dict.items():
            if isinstance(item, dict):
                if "value" not in item:
                    raise MessageHubKeyError(
                        f"update_scalars(): {key!r} is a dict, so it needs a 'value' key "
                        f"(and optionally 'count'), but got keys {sorted(item)}"
                    )
                count = _scalar_value(key, item.get("count", 1), what="count")
                value = item["value"]
            else:
                count, value = 1, item
            if not isinstance(count, int):
                raise MessageHubValueError(
                    f"count for {key!r} must be an int, but got {type(count).__name__}: {count!r}"
                )
            self.update_scalar(key, value, count, resumed)

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        """Set runtime info ``key`` (overwriting any previous value)."""
        self._set_resumed_keys(key, resumed)
        self._runtime_info[key] = value

    def update_info_dict(self, info_dict: dict[str, Any], resumed: bool = True) -> None:
        """``update_info`` for each item."""
        if not isinstance(info_dict, dict):
            raise MessageHubValueError(
                f"update_info_dict() takes a dict, but got {type(info_dict).__name__}"
            )
        for key, value in info_dict.items():
            self.update_info(key, value, resumed=resumed)

    def pop_info(self, key: str, default: Any = None) -> Any:
        """Remove and return runtime info ``key`` (``default`` when absent)."""
        return self._runtime_info.pop(key, default)

    # -- reading ---------------------------------------------------------------------------

    @property
    def log_scalars(self) -> OrderedDict[str, HistoryBuffer]:
        """All buffers, by key (the hub's own dict, not a copy)."""
        return self._log_scalars

    @property
    def runtime_info(self) -> OrderedDict[str, Any]:
        """All runtime info, by key (the hub's own dict, not a copy)."""
        return self._runtime_info

    def get_scalar(self, key: str) -> HistoryBuffer:
        """The buffer ``key`` itself (not a copy: buffers can be large)."""
        buffer = self._log_scalars.get(key)
        if buffer is None:
            raise MessageHubKeyError(
                f"{key!r} is not a scalar of MessageHub {self.instance_name!r}"
                f"{did_you_mean(str(key), self._log_scalars)}; "
                f"logged scalars: {list(self._log_scalars)}"
            )
        return buffer

    def get_info(self, key: str, default: Any = None) -> Any:
        """Runtime info ``key`` (the stored object, not a copy), or ``default``."""
        return self._runtime_info.get(key, default)

    # -- checkpointing ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Deep copies of the resumed scalars and info, plus the resumed flags of all keys."""
        saved_scalars: OrderedDict[str, HistoryBuffer] = OrderedDict()
        saved_info: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in self._log_scalars.items():
            if self._resumed_keys.get(key, False):
                saved_scalars[key] = copy.deepcopy(buffer)
        for key, value in self._runtime_info.items():
            if self._resumed_keys.get(key, False):
                saved_info[key] = _copy_or_reference(key, value)
        return {
            "log_scalars": saved_scalars,
            "runtime_info": saved_info,
            "resumed_keys": OrderedDict(self._resumed_keys),
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Merge a ``state_dict()`` (mmlight's or mmengine's) or copy a whole hub into this one.

        Entries of ``log_scalars`` that are not history buffers (old mmengine checkpoints) are
        skipped with a warning.
        """
        if not isinstance(state_dict, dict):
            self._load_hub(state_dict)
            return
        missing = [key for key in _STATE_KEYS if key not in state_dict]
        if missing:
            raise MessageHubKeyError(
                f"a MessageHub state dict needs the keys {list(_STATE_KEYS)}, but {missing} "
                f"missing (got {list(state_dict)})"
            )
        for key, value in state_dict["log_scalars"].items():
            buffer = _as_history_buffer(value)
            if buffer is None:
                print_log(
                    f"{key} in message_hub is not HistoryBuffer, just skip resuming it.",
                    logger="current",
                    level=logging.WARNING,
                )
                continue
            self._log_scalars[key] = buffer
        for key, value in state_dict["runtime_info"].items():
            self._runtime_info[key] = _copy_or_reference(key, value)
        for key, resumed in state_dict["resumed_keys"].items():
            if key not in self._log_scalars and key not in self._runtime_info:
                print_log(
                    f"resumed key: {key} is not defined in message_hub, just skip resuming "
                    "this key.",
                    logger="current",
                    level=logging.WARNING,
                )
                continue
            if not resumed:
                print_log(
                    f"Although resumed key: {key} is False, {key} will still be loaded this "
                    "time. This key will not be saved by the next calling of "
                    "`MessageHub.state_dict()`",
                    logger="current",
                    level=logging.WARNING,
                )
            self._resumed_keys[key] = resumed

    def _load_hub(self, hub: Any) -> None:
        """Copy everything from another hub (older checkpoints pickled whole hubs)."""
        try:
            scalars, info, resumed = hub._log_scalars, hub._runtime_info, hub._resumed_keys
        except AttributeError:
            raise TypeError(
                "MessageHub.load_state_dict() takes a dict from state_dict() or a MessageHub, "
                f"but got {type(hub).__name__}"
            ) from None
        converted: OrderedDict[str, HistoryBuffer] = OrderedDict()
        for key, value in scalars.items():
            buffer = _as_history_buffer(value)
            if buffer is not None:
                converted[key] = copy.deepcopy(buffer)
        self._log_scalars = converted
        self._runtime_info = copy.deepcopy(OrderedDict(info))
        self._resumed_keys = copy.deepcopy(OrderedDict(resumed))
