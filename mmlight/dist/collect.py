"""Gather every rank's list of per-sample results onto rank 0, in dataset order.

Samplers hand out indices round-robin (rank ``r`` gets samples ``r, r + W, r + 2W, ...``)
and pad the tail so all ranks see as many samples. Reading the parts back interleaved by
rank restores dataset order, and cutting at ``size`` drops the padding duplicates.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from typing import Any

from .collectives import all_gather_pickled, broadcast_object_list
from .utils import barrier, get_dist_info

COLLECT_DEVICES = ("cpu", "gpu", "npu")
# mmengine's default parent for the per-call exchange directory, relative to the cwd.
DEFAULT_COLLECT_ROOT = ".dist_test"


class InvalidCollectDeviceError(NotImplementedError, ValueError):
    """``device=`` is not one of COLLECT_DEVICES.

    mmengine raises NotImplementedError here; this is also a ValueError because it is a
    bad argument, so either ``except`` clause catches it.
    """


def check_collect_device(device: str, argument: str = "device") -> None:
    """Raise a readable error unless ``device`` is a supported collect device."""
    if device not in COLLECT_DEVICES:
        raise InvalidCollectDeviceError(
            f"{argument}={device!r} is not supported; choose one of "
            f"{', '.join(map(repr, COLLECT_DEVICES))} ('gpu' gathers through the "
            "communication backend, 'cpu' through files in a shared directory)"
        )


def _interleave(parts: list[list[Any]], size: int) -> list[Any]:
    """Round-robin merge of the per-rank lists, cut at ``size``.

    mmengine drops every None while merging (it uses None as the filler of uneven parts);
    here only missing positions are skipped, so a metric's genuine None results survive.
    """
    merged: list[Any] = []
    longest = max((len(part) for part in parts), default=0)
    for position in range(longest):
        for part in parts:
            if position < len(part):
                merged.append(part[position])
    return merged[:size]


def collect_results(
    results: list, size: int, device: str = "cpu", tmpdir: str | None = None
) -> list | None:
    """Rank 0 gets all ranks' ``results`` merged in dataset order; other ranks get None.

    ``device='cpu'`` exchanges pickles through a directory every rank can read (``tmpdir``;
    a fresh one under ``.dist_test`` by default); ``'gpu'``/``'npu'`` gather byte tensors
    through the communication backend (which also works on gloo). In a single process the
    answer is ``results[:size]``.
    """
    check_collect_device(device)
    if device == "cpu":
        return collect_results_cpu(results, size, tmpdir)
    if tmpdir is not None:
        raise ValueError(
            f"tmpdir={tmpdir!r} only applies to device='cpu'; with device={device!r} results "
            "travel through the communication backend, so leave tmpdir as None"
        )
    return collect_results_gpu(results, size)


def collect_results_cpu(result_part: list, size: int, tmpdir: str | None = None) -> list | None:
    """Collect through per-rank pickle files ``part_<rank>.pkl`` in a shared directory.

    Each call uses its own fresh directory, created by rank 0 inside ``tmpdir`` (or
    ``.dist_test``) and removed once rank 0 has read it. ``tmpdir`` itself is left alone,
    unlike mmengine, which deletes the directory the user named.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]

    exchange: list[Any] = [None]
    if rank == 0:
        root = tmpdir if tmpdir is not None else DEFAULT_COLLECT_ROOT
        os.makedirs(root, exist_ok=True)
        exchange[0] = tempfile.mkdtemp(prefix="collect_", dir=root)
    broadcast_object_list(exchange, src=0)
    directory = str(exchange[0])

    # On a directory that is not shared this creates a private copy, so the write
    # succeeds and rank 0 reports the missing parts with advice.
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f"part_{rank}.pkl"), "wb") as file:
        pickle.dump(result_part, file)
    barrier()
    if rank != 0:
        return None

    parts = []
    for part_rank in range(world_size):
        path = os.path.join(directory, f"part_{part_rank}.pkl")
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"rank {part_rank}'s results are missing from {directory!r}: collect_dir / "
                "tmpdir must be a directory that all ranks share (e.g. on a network file "
                "system), or use collect_device='gpu' to gather through the backend"
            )
        with open(path, "rb") as file:
            parts.append(pickle.load(file))
    shutil.rmtree(directory, ignore_errors=True)
    return _interleave(parts, size)


def collect_results_gpu(result_part: list, size: int) -> list | None:
    """Collect by all-gathering pickled byte tensors on the backend's device.

    On NCCL that is the current CUDA device; on gloo it is the CPU, so this path also works
    for CPU-only jobs.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    parts = all_gather_pickled(result_part)
    if rank != 0:
        return None
    return _interleave(parts, size)
