"""mmlight.logging.safe_types: the weights_only allow-list for MessageHub state dicts."""

from __future__ import annotations

import contextlib
import io
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer, MessageHub
from mmlight.logging.alloc_budget import allocation_budget, limit_for_size
from mmlight.logging.safe_types import (
    HISTORY_BUFFER_GLOBALS,
    MMENGINE_HISTORY_BUFFER_PATH,
    MMLIGHT_HISTORY_BUFFER_PATH,
    NUMPY_GLOBALS,
    SAFE_GLOBALS,
    BudgetedArray,
    allow_getattr,
    as_plain_numpy,
    restricted_getattr,
)
from tests.crafted_pickle import (
    BUILD,
    MARK,
    NEWFALSE,
    NEWOBJ,
    NONE,
    REDUCE,
    TUPLE,
    TUPLE1,
    global_,
    integer,
    legacy_checkpoint,
    pickle_of,
    text,
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


# ------------------------------------------------------------- what a file may allocate
_HUGE = 10**11  # elements: 745 GiB of float64


def _dtype(name: str, copy: bool = True) -> bytes:
    """``numpy.dtype(name, False, copy)``, as numpy pickles a dtype (before its BUILD)."""
    flag = b"\x88" if copy else NEWFALSE
    return global_("numpy", "dtype") + MARK + text(name) + NEWFALSE + flag + TUPLE + REDUCE


_ALLOCATING_PICKLES = {
    "ndarray(shape)": global_("numpy", "ndarray") + integer(_HUGE) + TUPLE1 + TUPLE1 + REDUCE,
    "NEWOBJ ndarray": global_("numpy", "ndarray") + integer(_HUGE) + TUPLE1 + TUPLE1 + NEWOBJ,
    "_reconstruct": global_("numpy._core.multiarray", "_reconstruct") + MARK
    + global_("numpy", "ndarray") + integer(_HUGE) + TUPLE1 + text("d") + TUPLE + REDUCE,
    "array state": global_("numpy.core.multiarray", "_reconstruct") + MARK
    + global_("numpy", "ndarray") + integer(0) + TUPLE1 + text("b") + TUPLE + REDUCE
    + MARK + integer(1) + integer(_HUGE) + TUPLE1 + _dtype("f8") + NEWFALSE + text("")
    + TUPLE + BUILD,
    "scalar": global_("numpy._core.multiarray", "scalar") + MARK + _dtype("S2000000000")
    + text("") + TUPLE + REDUCE,
}


@pytest.mark.parametrize("body", _ALLOCATING_PICKLES.values(), ids=_ALLOCATING_PICKLES)
def test_a_few_bytes_cannot_ask_for_hundreds_of_gib(body: bytes) -> None:
    """Each way a pickle can make numpy allocate is charged before numpy runs (the old
    allow-list handed the pickle numpy's own constructors: ndarray((10**11,)) went to
    malloc). Inside a load's budget and outside one (default cap) alike."""
    stream = legacy_checkpoint(pickle_of(body))
    size = len(stream.getvalue())
    assert size < 300
    refused = r"mmlight refused the file's data: a numpy (array of shape|scalar)"
    for budget in (allocation_budget(limit_for_size(size), "a file"), contextlib.nullcontext()):
        stream.seek(0)
        with (
            budget,
            torch.serialization.safe_globals(SAFE_GLOBALS),
            pytest.raises(pickle.UnpicklingError, match=refused),
        ):
            torch.load(stream, weights_only=True)


def _load(body: bytes) -> Any:
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return torch.load(legacy_checkpoint(pickle_of(body)), weights_only=True)


def test_dtype_classes_cannot_be_called_by_a_pickle() -> None:
    """``Float64DType()`` hands out numpy's shared float64 dtype, and nothing in a checkpoint
    calls it: the classes are allowed as BUILD targets only, under a name no GLOBAL can
    spell."""
    body = global_("numpy.dtypes", "Float64DType") + b")" + REDUCE
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL numpy\.dtypes\.Float64DType"):
        _load(body)
    assert all("\n" in name for name in _names(NUMPY_GLOBALS) if "DType" in name)


def test_numpy_dtype_always_hands_out_a_copy() -> None:
    """``numpy.dtype('f8', False, False)`` is numpy's shared dtype; the stand-in copies, so
    the BUILD that follows in a pickle only ever changes its own copy (which is checked
    wherever it is used)."""
    loaded = _load(_dtype("f8", copy=False))
    assert loaded == np.dtype("f8") and loaded is not np.dtype("f8")


def test_rewritten_dtypes_and_object_dtypes_are_refused() -> None:
    flags_63 = (
        MARK + integer(3) + text("<") + NONE + NONE + NONE + integer(-1) + integer(-1)
        + integer(63) + TUPLE + BUILD
    )
    with pytest.raises(pickle.UnpicklingError, match="whose state the file rewrote"):
        as_plain_numpy({"d": [_load(_dtype("f8") + flags_63)]})
    assert np.dtype("f8").flags == 0
    with pytest.raises(pickle.UnpicklingError, match="numpy dtype object is not loaded"):
        _load(_dtype("O8"))


def test_as_plain_numpy_leaves_no_subclass_anywhere() -> None:
    shared = np.arange(3.0)
    metadata = OrderedDict(w=np.ones(2))
    metadata.extra = {"cm": np.eye(2)}  # type: ignore[attr-defined]
    loop: list[Any] = [shared]
    loop.append(loop)
    hub = {"a": shared, "t": (shared, [np.int8(3)]), "m": metadata, "loop": loop,
           "s": {np.dtype("f4")}, "size": torch.Size([2])}
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        loaded = torch.load(_save(hub), weights_only=True)
    assert isinstance(loaded["a"], BudgetedArray)
    plain = as_plain_numpy(loaded)
    assert plain is loaded  # changed in place
    arrays = [plain["a"], plain["t"][0], plain["m"]["w"], plain["m"].extra["cm"], plain["loop"][0]]
    assert all(type(array) is np.ndarray for array in arrays)
    assert plain["a"] is plain["t"][0] is plain["loop"][0]  # still one array
    assert plain["loop"][1] is plain["loop"]
    np.testing.assert_array_equal(plain["m"].extra["cm"], np.eye(2))
    assert type(plain["size"]) is torch.Size and plain["t"][1] == [np.int8(3)]
    assert type(as_plain_numpy(loaded["a"])) is np.ndarray
