"""mmlight.logging.HistoryBuffer: storage, statistics, registration, copying, pickling."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer
from mmlight.logging.alloc_budget import AllocationRefusedError, allocation_budget
from mmlight.logging.errors import (
    EmptyHistoryError,
    HistoryBufferArgumentError,
    StatisticsRegistrationError,
    UnknownStatisticError,
)
from mmlight.logging.history_buffer import HistoryBufferStateError
from mmlight.logging.safe_types import MMENGINE_HISTORY_BUFFER_PATH, SAFE_GLOBALS
from tests.crafted_pickle import (
    BUILD,
    EMPTY_DICT,
    NEWOBJ,
    SETITEM,
    global_,
    integer,
    legacy_checkpoint,
    pickle_of,
    text,
)


def test_defaults_and_data() -> None:
    buf = HistoryBuffer()
    logs, counts = buf.data
    assert logs.dtype == np.float64 and counts.dtype == np.float64
    assert len(logs) == 0 and buf.max_length == 1000000
    buf.update(1)
    buf.update(2.5, count=3)
    logs, counts = buf.data
    np.testing.assert_array_equal(logs, [1.0, 2.5])
    np.testing.assert_array_equal(counts, [1, 3])
    assert buf._log_history is not logs  # a fresh view each time, same values
    np.testing.assert_array_equal(buf._log_history, logs)


def test_int_history_turns_float_on_first_float() -> None:
    buf = HistoryBuffer([1, 2], [1, 1])
    assert buf.data[0].dtype == np.int64
    buf.update(3)
    assert buf.data[0].dtype == np.int64
    buf.update(0.5)
    assert buf.data[0].dtype == np.float64
    np.testing.assert_array_equal(buf.data[0], [1, 2, 3, 0.5])


def test_statistics_values() -> None:
    buf = HistoryBuffer([1.0, 2.0, 3.0, 6.0], [1, 1, 2, 2])
    assert buf.mean() == pytest.approx(12 / 6)
    assert buf.mean(2) == pytest.approx(9 / 4)
    assert buf.mean(0) == buf.mean()  # 0 means the whole history, as in mmengine
    assert buf.mean(100) == buf.mean()
    assert buf.max() == 6 and buf.max(3) == 6 and buf.min() == 1 and buf.min(2) == 3
    assert buf.current() == 6
    assert buf.statistics("mean", 2) == buf.mean(2)
    assert buf.statistics("max", window_size=2) == 6
    assert isinstance(buf.mean(), np.floating)


def test_max_length_drops_oldest() -> None:
    buf = HistoryBuffer(max_length=3)
    for value in range(10):
        buf.update(value)
        assert len(buf.data[0]) == min(value + 1, 3)
    np.testing.assert_array_equal(buf.data[0], [7, 8, 9])
    np.testing.assert_array_equal(buf.data[1], [1, 1, 1])


def test_long_initial_history_is_cut_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="only the last max_length values are kept"):
        buf = HistoryBuffer([1, 2, 3, 4], [1, 1, 1, 1], max_length=2)
    np.testing.assert_array_equal(buf.data[0], [3, 4])


def test_many_updates_match_plain_numpy_append() -> None:
    rng = np.random.default_rng(1)
    buf = HistoryBuffer(max_length=50)
    logs, counts = np.array([]), np.array([])
    for i in range(300):
        value: Any = int(rng.integers(5)) if i < 20 else float(rng.random())
        buf.update(value, i % 3 + 1)
        logs, counts = np.append(logs, value)[-50:], np.append(counts, i % 3 + 1)[-50:]
        if i % 37 == 0:
            np.testing.assert_array_equal(buf.data[0], logs)
    np.testing.assert_array_equal(buf.data[0], logs)
    np.testing.assert_array_equal(buf.data[1], counts)
    assert buf.mean(7) == logs[-7:].sum() / counts[-7:].sum()


def test_assigning_history_arrays() -> None:
    buf = HistoryBuffer()
    buf._log_history = np.array([1.0, 2.0])
    buf._count_history = np.array([1, 1])
    buf.update(3.0)
    np.testing.assert_array_equal(buf.data[0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"log_history": [1, 2], "count_history": [1]}, "same length, but got 2 values and 1"),
        ({"max_length": 0}, "max_length must be a positive int, but got 0"),
        ({"max_length": 2.5}, "max_length must be a positive int"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(HistoryBufferArgumentError, match=match) as info:
        HistoryBuffer(**kwargs)
    assert isinstance(info.value, AssertionError)


def test_update_rejects_non_python_numbers() -> None:
    buf = HistoryBuffer()
    with pytest.raises(TypeError, match=r"call \.item\(\) on tensors"):
        buf.update(np.int64(1))
    with pytest.raises(TypeError, match="log_val='a'"):
        buf.update("a")  # type: ignore[arg-type]


def test_bad_window_sizes() -> None:
    buf = HistoryBuffer([1], [1])
    with pytest.raises(HistoryBufferArgumentError, match="window_size must be an int or None"):
        buf.mean(1.5)  # type: ignore[arg-type]
    with pytest.raises(HistoryBufferArgumentError, match="window_size must be >= 0"):
        buf.max(-1)
    assert buf.min(np.int64(1)) == 1  # numpy ints are fine


def test_empty_buffer_statistics() -> None:
    buf = HistoryBuffer()
    for name in ("current", "max", "min"):
        with pytest.raises(EmptyHistoryError, match=rf"call update\(\) before {name}\(\)"):
            getattr(buf, name)()
    with pytest.warns(RuntimeWarning):
        assert np.isnan(buf.mean())


def test_register_statistics() -> None:
    @HistoryBuffer.register_statistics
    def weighted_last(buffer: HistoryBuffer, weight: float) -> float:
        return float(buffer.current()) * weight

    buf = HistoryBuffer([1.0, 4.0], [1, 1])
    assert buf.statistics("weighted_last", 0.5) == 2.0
    assert HistoryBuffer.register_statistics(weighted_last) is weighted_last  # same fn: no-op

    def weighted_last_2(buffer: HistoryBuffer) -> None: ...

    weighted_last_2.__name__ = "weighted_last"
    with pytest.raises(StatisticsRegistrationError, match="'weighted_last' is already registered"):
        HistoryBuffer.register_statistics(weighted_last_2)
    with pytest.raises(StatisticsRegistrationError, match="'mean' is already registered"):

        @HistoryBuffer.register_statistics
        def mean(buffer: HistoryBuffer) -> None: ...


def test_unknown_statistic_lists_choices() -> None:
    buf = HistoryBuffer([1.0], [1])
    with pytest.raises(UnknownStatisticError, match=r"'maen' .*did you mean 'mean'\?") as info:
        buf.statistics("maen")
    assert isinstance(info.value, KeyError)
    assert "registered: ['current', 'max', 'mean', 'min']" in str(info.value)


def test_copies_are_independent() -> None:
    buf = HistoryBuffer([1, 2], [1, 1], max_length=5)
    for clone in (copy.copy(buf), copy.deepcopy(buf)):
        clone.update(3)
        assert clone.max_length == 5 and clone.data[0].dtype == np.int64
        np.testing.assert_array_equal(buf.data[0], [1, 2])
        np.testing.assert_array_equal(clone.data[0], [1, 2, 3])


@pytest.mark.parametrize("values", [[], [1, 2], [1.5, 2.0], [True, False]])
def test_pickle_round_trip_keeps_values_and_dtype(values: list) -> None:
    buf = HistoryBuffer(values, [1] * len(values), max_length=7)
    restored = pickle.loads(pickle.dumps(buf))
    assert type(restored) is HistoryBuffer and restored.max_length == 7
    for got, want in zip(restored.data, buf.data):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_pickle_holds_only_the_class_and_plain_lists() -> None:
    payload = pickle.dumps(HistoryBuffer([1.0], [1]), protocol=2)
    assert b"numpy" not in payload
    assert b"mmlight.logging.history_buffer" in payload


def test_setstate_reads_mmengine_layout() -> None:
    def custom_stat(buffer: HistoryBuffer) -> int:
        return 7

    buf = HistoryBuffer.__new__(HistoryBuffer)
    buf.__setstate__(
        {
            "max_length": 4,
            "_log_history": np.array([1.0, 2.0]),
            "_count_history": np.array([1, 1]),
            "statistics_methods": {"mean": HistoryBuffer.mean, "custom_stat": custom_stat},
        }
    )
    assert buf.max_length == 4 and buf.mean() == 1.5
    # The file's functions are not registered: a pickle does not choose the code that runs.
    with pytest.raises(UnknownStatisticError, match="'custom_stat' is not a registered"):
        buf.statistics("custom_stat")


def _mmengine_buffer(*build: bytes) -> bytes:
    """A buffer the way mmengine pickles one: NEWOBJ (no arguments), then BUILD ``build``."""
    module, name = MMENGINE_HISTORY_BUFFER_PATH.rsplit(".", 1)
    return pickle_of(global_(module, name), b")", NEWOBJ, *build)


def _load(payload: bytes) -> Any:
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return torch.load(legacy_checkpoint(payload), weights_only=True)


def test_state_with_an_injected_attribute_is_refused() -> None:
    state = {"max_length": 4, "_log_history": [1.0], "_count_history": [1], "evil": "x"}
    with pytest.raises(
        HistoryBufferStateError,
        match=r"a restored HistoryBuffer may set only \['_count_history', '_log_history', "
        r"'max_length', 'statistics_methods'\], but its state also sets 'evil'",
    ):
        HistoryBuffer().__setstate__(state)
    payload = _mmengine_buffer(
        EMPTY_DICT, text("max_length"), integer(4), SETITEM, text("evil"), integer(1), SETITEM,
        BUILD,
    )
    with pytest.raises(pickle.UnpicklingError, match="its state also sets 'evil'"):
        _load(payload)


@pytest.mark.parametrize(
    ("state", "match"),
    [
        ([1.0], "a HistoryBuffer state must be a dict, but got list"),
        ({"_log_history": "abc", "_count_history": "abc"}, "flat sequence of numbers"),
        ({"_log_history": [1.0], "_count_history": []}, "the same length"),
        ({"max_length": 0}, "max_length must be a positive int"),
        ({"statistics_methods": ["mean"]}, "statistics_methods must be a dict of names"),
    ],
)
def test_state_of_the_wrong_types_is_refused(state: Any, match: str) -> None:
    with pytest.raises(HistoryBufferStateError, match=match):
        HistoryBuffer().__setstate__(state)


def test_a_buffer_created_without_state_is_valid_and_empty() -> None:
    """NEWOBJ with no BUILD calls neither __init__ nor __setstate__; the buffer still has
    exactly its own attributes (the old one had none and failed on first use)."""
    buf = _load(_mmengine_buffer())
    assert type(buf) is HistoryBuffer and buf.max_length == 1000000
    assert set(vars(buf)) == {"max_length", "_logs", "_counts"}
    assert [len(part) for part in buf.data] == [0, 0]
    buf.update(2.0)
    assert buf.mean() == 2.0


def test_history_is_checked_and_charged_before_it_is_copied() -> None:
    """A list of lists (or one long list named many times over) would become a huge 2-d
    array before its shape could be looked at."""
    nested = [[1.0] * 3] * 2
    with pytest.raises(HistoryBufferArgumentError, match="flat sequence of numbers"):
        HistoryBuffer(nested, [1, 1])
    with pytest.raises(HistoryBufferArgumentError, match="flat sequence of numbers"):
        HistoryBuffer(np.ones((2, 2)), [1, 1])  # type: ignore[arg-type]
    with allocation_budget(1000, "a file of 10 bytes"):
        HistoryBuffer([0.0] * 60, [1] * 60)  # 960 bytes
        with pytest.raises(AllocationRefusedError, match="a HistoryBuffer log_history of 60 "):
            HistoryBuffer([0.0] * 60, [1] * 60)
    assert HistoryBuffer([np.float32(1), np.array(2.0), True], [1, 1, 1]).mean() == 4 / 3


def test_repr() -> None:
    assert repr(HistoryBuffer([2], [1], max_length=3)) == (
        f"HistoryBuffer(len=1, current={np.int64(2)!r}, max_length=3)"
    )
    assert repr(HistoryBuffer()) == "HistoryBuffer(len=0, max_length=1000000)"


def test_builtin_statistics_come_back_after_the_table_is_cleared() -> None:
    """mmengine's buffers re-add min/max/current/mean on creation; its tests clear the table."""
    saved = dict(HistoryBuffer._statistics_methods)
    try:
        HistoryBuffer._statistics_methods.clear()
        buffer = HistoryBuffer([1.0, 3.0], [1, 1])
        assert {"min", "max", "current", "mean"} <= set(HistoryBuffer._statistics_methods)
        assert buffer.statistics("mean") == 2.0
        HistoryBuffer._statistics_methods.clear()
        restored = pickle.loads(pickle.dumps(buffer))
        assert restored.statistics("max") == 3.0
    finally:
        HistoryBuffer._statistics_methods.clear()
        HistoryBuffer._statistics_methods.update(saved)


def test_histories_given_as_tensors_are_taken_as_mmengine_takes_them() -> None:
    import torch

    buffer = HistoryBuffer(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1, 1, 2]))
    logs, counts = buffer.data
    assert logs.tolist() == [1.0, 2.0, 3.0] and counts.tolist() == [1, 1, 2]
