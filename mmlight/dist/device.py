"""Where tensors must live for a collective, and moving them there and back.

NCCL only talks CUDA tensors and gloo only CPU ones (mostly), so every collective in
``mmlight.dist`` moves its input to the backend's device, communicates, and hands the
result back on the caller's device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import torch

from .utils import get_backend

if TYPE_CHECKING:
    from torch.distributed import ProcessGroup

# Backend name -> accelerator module name on ``torch`` holding ``current_device()``.
_BACKEND_DEVICE_TYPES = {
    "nccl": "cuda",
    "smddp": "cuda",
    "hccl": "npu",
    "cncl": "mlu",
    "mccl": "musa",
}


def get_comm_device(group: ProcessGroup | None = None) -> torch.device:
    """The device the backend of ``group`` communicates on (CPU for gloo, MPI and no group)."""
    device_type = _BACKEND_DEVICE_TYPES.get(get_backend(group) or "")
    if device_type is None:
        return torch.device("cpu")
    module = getattr(torch, device_type)
    return torch.device(device_type, module.current_device())


def get_data_device(data: Any) -> torch.device:
    """The single device of a tensor or of every tensor in a (nested) list or dict."""
    if isinstance(data, torch.Tensor):
        return data.device
    if isinstance(data, Mapping):
        items: Iterable[Any] = data.values()
    elif isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        items = data
    else:
        raise TypeError(
            "data should be a Tensor, sequence of tensor or dict: expected a Tensor or a "
            f"list/tuple/dict of Tensors, got {type(data).__name__}"
        )
    found: torch.device | None = None
    for item in items:
        device = get_data_device(item)
        if found is not None and device != found:
            raise ValueError(
                "device type in data should be consistent: tensors are on different devices, "
                f"{found} and {device}"
            )
        found = device
    if found is None:
        raise ValueError("data should not be empty: cannot tell the device of an empty container")
    return found


def cast_data_device(data: Any, device: torch.device, out: Any = None) -> Any:
    """Copy tensors in ``data`` (nested lists/tuples/dicts) to ``device``.

    Tensors already there are returned as they are. With ``out`` (same structure as
    ``data``), the values are also written into ``out``'s tensors in place, which is how
    in-place collectives hand their result back to the caller's tensor.
    """
    if out is not None and type(out) is not type(data):
        raise TypeError(
            "out should be the same type with data: "
            f"{type(data).__name__} vs {type(out).__name__}"
        )
    if isinstance(out, (set, frozenset)):
        raise TypeError("out should not be a set: a set has no order to write results back in")
    if isinstance(data, torch.Tensor):
        moved = data if data.device == device else data.to(device)
        if out is not None:
            out.copy_(moved)
        return moved
    if isinstance(data, Mapping):
        if out is not None and len(out) != len(data):
            raise ValueError(
                f"length of data and out should be same: data has {len(data)} entries but out "
                f"has {len(out)}"
            )
        if not data:
            raise ValueError("data should not be empty: cannot move an empty dict")
        moved_map = {
            key: cast_data_device(value, device, None if out is None else out[key])
            for key, value in data.items()
        }
        return type(data)(moved_map)  # type: ignore[call-arg]
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        values = list(data)
        if not values:
            raise ValueError("data should not be empty: cannot move an empty sequence")
        outs = [None] * len(values) if out is None else list(out)
        moved_list = [cast_data_device(v, device, o) for v, o in zip(values, outs)]
        return type(data)(moved_list)  # type: ignore[call-arg]
    raise TypeError(
        "data should be a Tensor, list of tensor or dict: expected a Tensor or a "
        f"list/tuple/dict of Tensors, got {type(data).__name__}"
    )
