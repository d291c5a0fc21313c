"""mmlight.runner.safe_checkpoint.decode_safe: tagged values read from a file, decoded with care."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mmlight.logging import HistoryBuffer
from mmlight.logging.alloc_budget import AllocationRefusedError, allocation_budget
from mmlight.runner.safe_checkpoint import TYPE_TAG, TaggedValueError, decode_safe, encode_safe


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((0, 3), dtype=np.float32),
        np.zeros((3, 0), dtype=np.int64),
        np.array(2.5),
        np.arange(6, dtype=np.int16).reshape(2, 3),
        np.array([[True], [False]]),
        np.array(["a", "bcd"]),
        np.array([b"x", b"yz"]),
        np.array([1 + 2j, 3j], dtype=np.complex128),
        np.array([{"a": 1}, "text", None], dtype=object),
        np.array([np.arange(2), np.arange(3)], dtype=object),  # items of different shapes
    ],
    ids=lambda array: f"{array.dtype}{array.shape}",
)
def test_arrays_round_trip(array: np.ndarray) -> None:
    decoded = decode_safe(encode_safe({"x": array}))["x"]
    assert type(decoded) is np.ndarray
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    for got, want in zip(decoded.ravel(), array.ravel(), strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(got, want)
        else:
            assert got == want


def test_shared_containers_are_decoded_once() -> None:
    """A pickle names a list again in two bytes; decoding each mention on its own (as the
    old decoder did) turns a small file into a huge object."""
    row = list(range(1000))
    decoded = decode_safe({"rows": [row] * 1000, "again": row})
    assert decoded["rows"][0] is decoded["rows"][999] is decoded["again"]
    assert decoded["again"] == row and decoded["again"] is not row
    loop: list[Any] = []
    loop.append(loop)
    looped = decode_safe({"loop": loop})["loop"]
    assert looped[0] is looped


def _tagged(shape: Any, dtype: Any, data: Any) -> dict:
    return {TYPE_TAG: "numpy.ndarray", "shape": shape, "dtype": dtype, "data": data}


def test_an_array_is_charged_before_numpy_allocates_it() -> None:
    row = [0.0] * 1000
    tagged = _tagged([1000, 1000], "<f8", [row] * 1000)  # 8 MB from one shared row
    with (
        allocation_budget(1 << 20, "a file of 9000 bytes"),
        pytest.raises(
            AllocationRefusedError,
            match=r"a numpy array of shape \(1000, 1000\) and dtype float64 would take 8000000 "
            r"bytes, more than the 1048576 bytes allowed for a file of 9000 bytes",
        ),
    ):
        decode_safe({"cm": tagged})
    with pytest.raises(AllocationRefusedError, match="outside a checkpoint load"):
        decode_safe(_tagged([2], "|S1000000000", [b"a", b"b"]))  # 2 GB of padding


@pytest.mark.parametrize(
    ("tagged", "match"),
    [
        (_tagged([2, 2], "<f8", [1.0, 2.0, 3.0, 4.0]), r"does not have its shape \(2, 2\)"),
        (_tagged([2], "<f8", [[1.0] * 10**3] * 2), "values that are not numbers or strings"),
        (_tagged([2], "<f8", [1.0, 2.0, 3.0]), r"does not have its shape \(2,\)"),
        (_tagged([-1], "<f8", []), r"needs a shape .* but has shape=\[-1\]"),
        (_tagged([1], "nonsense", [1]), "dtype='nonsense'"),
        (_tagged([1], "<U0", [""]), "sized numpy dtype"),
        (_tagged([1], "<i1", [1000]), "does not fit its dtype int8"),
        ({TYPE_TAG: "HistoryBuffer", "log_history": [1.0]}, "KeyError: 'count_history'"),
        ({TYPE_TAG: "HistoryBuffer", "log_history": [[1.0]], "count_history": [1],
          "max_length": 3}, "flat sequence of numbers"),
    ],
)
def test_tagged_values_that_do_not_decode_are_refused(tagged: dict, match: str) -> None:
    with pytest.raises(TaggedValueError, match=match):
        decode_safe({"x": tagged})


def test_history_buffers_decode() -> None:
    buffer = decode_safe(encode_safe({"b": HistoryBuffer([1, 2], [1, 1], 5)}))["b"]
    assert type(buffer) is HistoryBuffer and buffer.max_length == 5 and buffer.mean() == 1.5
