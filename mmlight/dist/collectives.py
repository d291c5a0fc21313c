"""Collectives with mmengine's signatures: results are returned, not written into lists.

Each one is a no-op (or returns ``[data]``) in a single process, and otherwise runs on the
backend's device (see ``device.py``) and hands results back on the caller's device.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.distributed as torch_dist

from .device import cast_data_device, get_comm_device, get_data_device
from .utils import get_default_group, get_rank, get_world_size

if TYPE_CHECKING:
    from torch.distributed import ProcessGroup

_REDUCE_OP_NAMES = ("sum", "mean", "product", "min", "max", "band", "bor", "bxor")


class InvalidReduceOpError(ValueError):
    """An ``op=`` name that ``all_reduce`` does not know."""


class CollectiveArgumentTypeError(TypeError, AssertionError):
    """A collective's ``data`` of the wrong container type (mmengine asserts on these)."""


def _reduce_op(name: str) -> Any:
    key = name.lower() if isinstance(name, str) else name
    if key not in _REDUCE_OP_NAMES:
        raise InvalidReduceOpError(
            f"unknown reduce op {name!r}; choose one of {', '.join(map(repr, _REDUCE_OP_NAMES))}"
        )
    # 'mean' is a sum followed by a division, see all_reduce.
    return getattr(torch_dist.ReduceOp, "SUM" if key == "mean" else key.upper())


def all_reduce(data: torch.Tensor, op: str = "sum", group: ProcessGroup | None = None) -> None:
    """Reduce ``data`` in place across ranks; ``op='mean'`` divides the sum by the world size.

    An integer tensor reduced with 'mean' keeps its dtype (the mean is truncated), as in
    mmengine. The op name is checked even in a single process, so typos surface early.
    """
    torch_op = _reduce_op(op)
    world_size = get_world_size(group)
    if world_size == 1:
        return
    group = group if group is not None else get_default_group()
    on_backend = cast_data_device(data, get_comm_device(group))
    torch_dist.all_reduce(on_backend, torch_op, group)
    if op.lower() == "mean":
        on_backend = torch.true_divide(on_backend, world_size)
    cast_data_device(on_backend, data.device, out=data)


def all_reduce_dict(
    data: dict[str, torch.Tensor], op: str = "sum", group: ProcessGroup | None = None
) -> None:
    """``all_reduce`` every tensor of a dict in one flattened collective (keys sorted)."""
    if not isinstance(data, dict):
        raise CollectiveArgumentTypeError(
            f"all_reduce_dict expects a dict of tensors, got {type(data).__name__}"
        )
    _reduce_op(op)
    if get_world_size(group) == 1:
        return
    keys = sorted(data)
    flat = torch.cat([data[key].flatten() for key in keys])
    all_reduce(flat, op=op, group=group)
    for key, chunk in zip(keys, torch.split(flat, [data[k].numel() for k in keys])):
        data[key] = chunk.reshape(data[key].shape)


def all_reduce_params(
    params: Iterable[torch.Tensor],
    coalesce: bool = True,
    bucket_size_mb: int = -1,
    op: str = "sum",
    group: ProcessGroup | None = None,
) -> None:
    """``all_reduce`` the ``.data`` of parameters or buffers (SyncBuffersHook uses this).

    With ``coalesce`` tensors are flattened into buckets (one per dtype, or of at most
    ``bucket_size_mb`` MB) to make fewer, larger collectives.
    """
    _reduce_op(op)
    if get_world_size(group) == 1:
        return
    tensors = [param.data for param in params]
    if not coalesce:
        for tensor in tensors:
            all_reduce(tensor, op=op, group=group)
        return
    for bucket in _buckets(tensors, bucket_size_mb):
        flat = torch.cat([tensor.flatten() for tensor in bucket])
        all_reduce(flat, op=op, group=group)
        offset = 0
        for tensor in bucket:
            tensor.copy_(flat[offset : offset + tensor.numel()].view_as(tensor))
            offset += tensor.numel()


def _buckets(tensors: list[torch.Tensor], bucket_size_mb: int) -> list[list[torch.Tensor]]:
    by_kind: dict[tuple[torch.dtype, torch.device], list[torch.Tensor]] = {}
    for tensor in tensors:
        by_kind.setdefault((tensor.dtype, tensor.device), []).append(tensor)
    if bucket_size_mb <= 0:
        return list(by_kind.values())
    limit = bucket_size_mb * 1024 * 1024
    buckets: list[list[torch.Tensor]] = []
    for same_kind in by_kind.values():
        current: list[torch.Tensor] = []
        size = 0
        for tensor in same_kind:
            nbytes = tensor.numel() * tensor.element_size()
            if current and size + nbytes > limit:
                buckets.append(current)
                current, size = [], 0
            current.append(tensor)
            size += nbytes
        if current:
            buckets.append(current)
    return buckets


def all_gather(data: torch.Tensor, group: ProcessGroup | None = None) -> list[torch.Tensor]:
    """One tensor per rank (same shape on every rank), in rank order; ``[data]`` alone."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group if group is not None else get_default_group()
    device = get_comm_device(group)
    on_backend = cast_data_device(data, device)
    gathered = [torch.empty_like(on_backend, device=device) for _ in range(world_size)]
    torch_dist.all_gather(gathered, on_backend, group)
    return [tensor.to(get_data_device(data)) for tensor in gathered]


def gather(
    data: torch.Tensor, dst: int = 0, group: ProcessGroup | None = None
) -> list[torch.Tensor]:
    """Tensors of all ranks on ``dst`` (in rank order); other ranks get an empty list."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group if group is not None else get_default_group()
    device = get_comm_device(group)
    on_backend = cast_data_device(data, device)
    is_dst = get_rank(group) == dst
    gathered = [torch.empty_like(on_backend) for _ in range(world_size)] if is_dst else None
    torch_dist.gather(on_backend, gathered, dst, group)
    if gathered is None:
        return []
    return [tensor.to(data.device) for tensor in gathered]


def broadcast(data: torch.Tensor, src: int = 0, group: ProcessGroup | None = None) -> None:
    """Overwrite ``data`` in place on every rank with rank ``src``'s values."""
    if get_world_size(group) == 1:
        return
    group = group if group is not None else get_default_group()
    on_backend = cast_data_device(data, get_comm_device(group)).contiguous()
    torch_dist.broadcast(on_backend, src, group)
    if get_rank(group) != src:
        cast_data_device(on_backend, data.device, out=data)


def sync_random_seed(group: ProcessGroup | None = None) -> int:
    """A random seed drawn on rank 0 and shared with every rank.

    The draw uses numpy's global generator exactly like mmengine (``randint(2**31)``), so
    seeded runs consume the same random numbers in both libraries.
    """
    seed = int(np.random.randint(2**31))
    if get_world_size(group) == 1:
        return seed
    group = group if group is not None else get_default_group()
    value = seed if get_rank(group) == 0 else 0
    tensor = torch.tensor(value, dtype=torch.int32, device=get_comm_device(group))
    torch_dist.broadcast(tensor, src=0, group=group)
    return int(tensor.item())


def all_gather_object(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Any picklable object from every rank, in rank order; ``[data]`` in a single process."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    return all_gather_pickled(data, group)


def gather_object(data: Any, dst: int = 0, group: ProcessGroup | None = None) -> list[Any] | None:
    """Picklable objects of all ranks on ``dst``; None on the other ranks."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group if group is not None else get_default_group()
    # gloo supports gather_object; NCCL does not, so fall back to an all-gather there.
    if get_comm_device(group).type != "cpu":
        gathered = all_gather_pickled(data, group)
        return gathered if get_rank(group) == dst else None
    out: list[Any] | None = [None] * world_size if get_rank(group) == dst else None
    torch_dist.gather_object(data, out, dst=dst, group=group)
    return out


def broadcast_object_list(data: list[Any], src: int = 0, group: ProcessGroup | None = None) -> None:
    """Replace the items of ``data`` in place with rank ``src``'s items.

    Every rank must pass a list of the same length; in a single process nothing happens.
    """
    if not isinstance(data, list):
        raise CollectiveArgumentTypeError(
            f"broadcast_object_list expects a list (changed in place), got {type(data).__name__}"
        )
    if get_world_size(group) == 1:
        return
    group = group if group is not None else get_default_group()
    torch_dist.broadcast_object_list(data, src=src, group=group, device=get_comm_device(group))


def all_gather_pickled(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Gather any picklable object as a byte tensor on the backend's device.

    Sizes are gathered first so every rank can pad its bytes to the longest payload; this is
    the path behind ``collect_results(device='gpu')`` and works on gloo with CPU tensors.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group if group is not None else get_default_group()
    device = get_comm_device(group)
    payload = torch.frombuffer(bytearray(pickle.dumps(data)), dtype=torch.uint8).to(device)
    size = torch.tensor([payload.numel()], dtype=torch.long, device=device)
    sizes = [torch.zeros_like(size) for _ in range(world_size)]
    torch_dist.all_gather(sizes, size, group)
    longest = int(max(int(s.item()) for s in sizes))
    padded = torch.zeros(longest, dtype=torch.uint8, device=device)
    padded[: payload.numel()] = payload
    received = [torch.empty_like(padded) for _ in range(world_size)]
    torch_dist.all_gather(received, padded, group)
    return [
        pickle.loads(chunk[: int(n.item())].cpu().numpy().tobytes())
        for chunk, n in zip(received, sizes)
    ]
