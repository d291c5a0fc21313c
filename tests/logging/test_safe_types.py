"""mmlight.logging.safe_types: the weights_only allow-list for MessageHub state dicts."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer, MessageHub
from mmlight.logging.safe_types import (
    HISTORY_BUFFER_GLOBALS,
    MMENGINE_HISTORY_BUFFER_PATH,
    MMLIGHT_HISTORY_BUFFER_PATH,
    NUMPY_GLOBALS,
    SAFE_GLOBALS,
    allow_getattr,
    restricted_getattr,
)


def _save(obj: Any) -> io.BytesIO:
    stream = io.BytesIO()
    torch.save(obj, stream)
    stream.seek(0)
    return stream


def _names(globals_: list) -> set[str]:
    return {
        item[1] if isinstance(item, tuple) else f"{item.__module__}.{item.__qualname__}"
        for item in globals_
    }


def test_paths() -> None:
    assert MMLIGHT_HISTORY_BUFFER_PATH == "mmlight.logging.history_buffer.HistoryBuffer"
    assert MMENGINE_HISTORY_BUFFER_PATH == "mmengine.logging.history_buffer.HistoryBuffer"
    assert SAFE_GLOBALS == HISTORY_BUFFER_GLOBALS + NUMPY_GLOBALS
    assert {
        MMLIGHT_HISTORY_BUFFER_PATH,
        MMENGINE_HISTORY_BUFFER_PATH,
        "builtins.getattr",
    } <= _names(SAFE_GLOBALS)


def test_buffers_alone_need_only_the_class() -> None:
    stream = _save({"b": HistoryBuffer([1.0, 2.0], [1, 1])})
    assert torch.serialization.get_unsafe_globals_in_checkpoint(stream) == [
        MMLIGHT_HISTORY_BUFFER_PATH
    ]
    stream.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="HistoryBuffer"):
        torch.load(stream, weights_only=True)
    stream.seek(0)
    with torch.serialization.safe_globals([HistoryBuffer]):
        assert torch.load(stream, weights_only=True)["b"].mean() == 1.5


def test_list_covers_a_hub_with_numpy_info() -> None:
    hub = MessageHub("hub")
    hub.update_scalar("train/loss", 1.0)
    hub.update_info("best_score", np.float32(0.5))
    hub.update_info("cm", np.arange(4, dtype=np.int16).reshape(2, 2))
    hub.update_info("flags", np.array([True, False]))
    stream = _save(hub.state_dict())
    needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(stream))
    assert needed <= _names(SAFE_GLOBALS)
    stream.seek(0)
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        state = torch.load(stream, weights_only=True)
    np.testing.assert_array_equal(state["runtime_info"]["cm"], [[0, 1], [2, 3]])
    assert state["runtime_info"]["cm"].dtype == np.int16
    assert state["runtime_info"]["best_score"] == np.float32(0.5)


class _Sneaky:
    """Pickles as getattr(HistoryBuffer, '__init__'): not a statistic, must be refused."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (getattr, (HistoryBuffer, "__init__"))


def test_getattr_stand_in_only_hands_out_statistics() -> None:
    assert restricted_getattr(HistoryBuffer, "mean") is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match="only registered HistoryBuffer statistics"):
        restricted_getattr(HistoryBuffer, "__init__")
    with pytest.raises(pickle.UnpicklingError):
        restricted_getattr(object, "mean")
    stream = _save({"x": _Sneaky()})
    with (
        torch.serialization.safe_globals(SAFE_GLOBALS),
        pytest.raises(pickle.UnpicklingError, match=r"refusing getattr\("),
    ):
        torch.load(stream, weights_only=True)


class _Schedule:
    @staticmethod
    def _anneal(x: float) -> float:
        return x * 2

    @staticmethod
    def _other(x: float) -> float:
        return x


class _SubSchedule(_Schedule):
    pass


class _StaticRef:
    """Pickles the way mmengine's OneCycle scheduler stores its anneal function."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (getattr, (_SubSchedule, "_anneal"))


def test_allow_getattr_declares_more_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mmlight.logging.safe_types._ALLOWED_ATTRIBUTES", {})
    with pytest.raises(pickle.UnpicklingError):
        restricted_getattr(_SubSchedule, "_anneal")
    allow_getattr(_Schedule, "_anneal")
    assert restricted_getattr(_SubSchedule, "_anneal") is _Schedule._anneal
    with pytest.raises(pickle.UnpicklingError):
        restricted_getattr(_Schedule, "_other")
    stream = _save({"f": _StaticRef()})
    with torch.serialization.safe_globals([*SAFE_GLOBALS, _SubSchedule]):
        assert torch.load(stream, weights_only=True)["f"](3.0) == 6.0
    with pytest.raises(TypeError, match="allow_getattr\\(\\) needs a class"):
        allow_getattr("x", "y")  # type: ignore[arg-type]
