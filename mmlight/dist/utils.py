"""Questions about the process group: who am I, how many of us, which backend.

Every function answers for a single process (rank 0 of 1, no backend, no group) when
``torch.distributed`` is missing or no process group has been initialised. The group itself
is created by ``init_dist`` (``launch.py``; the Runner calls it) or by user code; these
helpers only read the state it leaves behind.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import torch.distributed as torch_dist

if TYPE_CHECKING:
    from torch.distributed import ProcessGroup

_F = TypeVar("_F", bound=Callable[..., Any])

# Optional sub-group of the ranks on this machine, set by ``init_local_group``.
_LOCAL_GROUP: ProcessGroup | None = None


def is_distributed() -> bool:
    """True only when a default process group exists and is ready for collectives."""
    return bool(torch_dist.is_available() and torch_dist.is_initialized())


def get_default_group() -> ProcessGroup | None:
    """The default (world) process group, or None when not distributed.

    Unlike mmengine, which raises when no group exists, this returns None so callers can
    pass the result straight back as ``group=`` to the other helpers.
    """
    if not is_distributed():
        return None
    return torch_dist.distributed_c10d._get_default_group()


def _group_or_default(group: ProcessGroup | None) -> ProcessGroup | None:
    return get_default_group() if group is None else group


def get_backend(group: ProcessGroup | None = None) -> str | None:
    """Lower-case backend name ('gloo', 'nccl', ...) or None when not distributed."""
    if not is_distributed():
        return None
    return str(torch_dist.get_backend(_group_or_default(group)))


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Number of processes in ``group`` (the world by default); 1 when not distributed."""
    if not is_distributed():
        return 1
    return int(torch_dist.get_world_size(_group_or_default(group)))


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the world by default); 0 when not distributed."""
    if not is_distributed():
        return 0
    return int(torch_dist.get_rank(_group_or_default(group)))


def get_dist_info(group: ProcessGroup | None = None) -> tuple[int, int]:
    """``(rank, world_size)`` in one call, as samplers and loggers want them."""
    return get_rank(group), get_world_size(group)


def is_main_process(group: ProcessGroup | None = None) -> bool:
    """True on rank 0, and always in a single process."""
    return get_rank(group) == 0


def master_only(func: _F) -> _F:
    """Decorator: run ``func`` on rank 0 only; the other ranks get None back."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if is_main_process():
            return func(*args, **kwargs)
        return None

    return wrapper  # type: ignore[return-value]


def barrier(group: ProcessGroup | None = None) -> None:
    """Block until every rank of ``group`` arrives; a no-op in a single process."""
    if is_distributed():
        torch_dist.barrier(_group_or_default(group))


def init_local_group(node_rank: int, num_gpus_per_node: int) -> None:
    """Create the sub-group of ranks that share this machine (a collective on all ranks).

    Only needed when the launcher does not export ``LOCAL_RANK``/``LOCAL_WORLD_SIZE``;
    ``get_local_rank`` and ``get_local_size`` prefer this group when it exists.
    """
    global _LOCAL_GROUP
    if _LOCAL_GROUP is not None:
        raise RuntimeError("init_local_group() was already called in this process")
    first = node_rank * num_gpus_per_node
    _LOCAL_GROUP = torch_dist.new_group(list(range(first, first + num_gpus_per_node)))


def get_local_group() -> ProcessGroup | None:
    """The group made by ``init_local_group``; None when not distributed or not made."""
    if not is_distributed():
        return None
    return _LOCAL_GROUP


def _local_from_env(names: tuple[str, ...]) -> int | None:
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip().lstrip("-").isdigit():
            return int(value)
    return None


# Launchers export these; Lightning's own DDP launcher sets LOCAL_RANK.
_LOCAL_RANK_VARS = ("LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK")
_LOCAL_SIZE_VARS = ("LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE")


def get_local_rank() -> int:
    """Rank of this process among those on the same machine; 0 when not distributed.

    Source, in order: the group from ``init_local_group``, then the launcher's environment
    (``LOCAL_RANK``, ``SLURM_LOCALID``, ``OMPI_COMM_WORLD_LOCAL_RANK``).
    """
    if not is_distributed():
        return 0
    if _LOCAL_GROUP is not None:
        return int(torch_dist.get_rank(_LOCAL_GROUP))
    value = _local_from_env(_LOCAL_RANK_VARS)
    if value is None:
        raise RuntimeError(
            "cannot tell this process's local rank: none of the environment variables "
            f"{', '.join(_LOCAL_RANK_VARS)} is set and init_local_group() was not called. "
            "Launch with torchrun/Lightning (they set LOCAL_RANK) or call "
            "mmlight.dist.init_local_group(node_rank, num_gpus_per_node) on every rank."
        )
    return value


def get_local_size() -> int:
    """Number of processes on this machine; 1 when not distributed.

    Source, in order: the group from ``init_local_group``, then the launcher's environment
    (``LOCAL_WORLD_SIZE``, ``OMPI_COMM_WORLD_LOCAL_SIZE``, ``SLURM_NTASKS_PER_NODE``).
    """
    if not is_distributed():
        return 1
    if _LOCAL_GROUP is not None:
        return int(torch_dist.get_world_size(_LOCAL_GROUP))
    value = _local_from_env(_LOCAL_SIZE_VARS)
    if value is None:
        raise RuntimeError(
            "cannot tell how many processes run on this machine: none of the environment "
            f"variables {', '.join(_LOCAL_SIZE_VARS)} is set and init_local_group() was not "
            "called. Launch with torchrun (it sets LOCAL_WORLD_SIZE) or call "
            "mmlight.dist.init_local_group(node_rank, num_gpus_per_node) on every rank."
        )
    return value


def infer_launcher() -> str:
    """Guess how the job was started from the environment the launcher leaves behind.

    'pytorch' (torchrun and friends set WORLD_SIZE), 'slurm', 'mpi' or 'none'.
    """
    if "WORLD_SIZE" in os.environ:
        return "pytorch"
    if "SLURM_NTASKS" in os.environ:
        return "slurm"
    if "OMPI_COMM_WORLD_LOCAL_RANK" in os.environ:
        return "mpi"
    return "none"


# mmengine keeps its device helpers in ``mmengine.dist.utils``; they live in ``device.py``
# here (which imports this module), so resolve those names on first access.
_DEVICE_HELPERS = ("get_comm_device", "get_data_device", "cast_data_device")


def __getattr__(name: str) -> Any:
    if name in _DEVICE_HELPERS:
        from . import device

        return getattr(device, name)
    if name == "init_dist":  # mmengine.dist.utils.init_dist; lives in launch.py here
        from .launch import init_dist

        return init_dist
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
