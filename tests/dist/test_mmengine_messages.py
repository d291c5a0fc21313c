"""mmlight.dist's argument errors keep mmengine's wording and exception types.

mmengine asserts on the container types of ``broadcast_object_list`` and ``all_reduce_dict``
(its tests expect ``AssertionError``), and its device helpers' messages are matched downstream.
"""

from __future__ import annotations

import pytest
import torch

from mmlight import dist


def test_collective_container_errors_are_type_and_assertion_errors() -> None:
    with pytest.raises(AssertionError, match="broadcast_object_list expects a list"):
        dist.broadcast_object_list("foo")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="all_reduce_dict expects a dict of tensors, got str"):
        dist.all_reduce_dict("foo")  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        dist.all_reduce_dict("foo")  # type: ignore[arg-type]


def test_get_data_device_messages() -> None:
    with pytest.raises(TypeError, match="data should be a Tensor, sequence of tensor or dict"):
        dist.get_data_device("123")
    with pytest.raises(ValueError, match="data should not be empty"):
        dist.get_data_device({})
    meta = torch.empty(1, device="meta")
    with pytest.raises(ValueError, match="device type in data should be consistent"):
        dist.get_data_device([torch.zeros(1), meta])


def test_cast_data_device_messages() -> None:
    cpu = torch.device("cpu")
    for bad in (123, "123"):
        with pytest.raises(TypeError, match="data should be a Tensor, list of tensor or dict"):
            dist.cast_data_device(bad, cpu)
    with pytest.raises(ValueError, match="data should not be empty"):
        dist.cast_data_device([], cpu)
    with pytest.raises(ValueError, match="data should not be empty"):
        dist.cast_data_device({}, cpu)
    with pytest.raises(TypeError, match="out should be the same type with data"):
        dist.cast_data_device([torch.zeros(1)], cpu, out=(torch.zeros(1),))
    with pytest.raises(TypeError, match="out should not be a set"):
        dist.cast_data_device({torch.zeros(1)}, cpu, out={torch.zeros(1)})
    data = {"a": torch.zeros(1)}
    with pytest.raises(ValueError, match="length of data and out should be same"):
        dist.cast_data_device(data, cpu, out={"a": torch.zeros(1), "b": torch.zeros(1)})
