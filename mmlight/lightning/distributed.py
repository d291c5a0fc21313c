"""Launchers and ``env_cfg`` -> an initialised process group plus Lightning Trainer kwargs.

The Runner calls ``setup_distributed`` first thing in ``__init__``, as MMEngine calls
``setup_env``: samplers, loggers and the seed all read ``get_dist_info()`` afterwards, so the
process group must exist before anything is built. mmlight therefore initialises the group
itself (``mmlight.dist.init_dist``); Lightning's strategy finds it initialised and reuses it.

=================================  =====================================================
MMEngine                           what happens here
=================================  =====================================================
``launcher='none'``                one process: ``accelerator='auto', devices=1``; but with
                                   ``trainer=dict(devices=N>1, ...)`` the other ranks are
                                   started from this process (``local_launch.py``) and the
                                   run continues as ``launcher='pytorch'``
``launcher='pytorch'|'slurm'|..``  ``init_dist``; ``accelerator`` cuda/cpu, ``devices`` =
                                   processes on this machine, ``num_nodes``, a DDP strategy
                                   (``dist_strategy.py``) and the cluster environment plugin
``env_cfg.dist_cfg``               ``init_process_group`` arguments (timeout in seconds);
                                   'nccl' without CUDA -> 'gloo' (logged)
``env_cfg.cudnn_benchmark``        ``torch.backends.cudnn.benchmark``
``env_cfg.mp_cfg``                 multiprocessing start method, OpenCV threads, and
                                   ``OMP_NUM_THREADS``/``MKL_NUM_THREADS=1`` when distributed
``env_cfg.resource_limit``         ``RLIMIT_NOFILE`` soft limit, as MMEngine
``sync_bn='torch'``                ``Trainer(sync_batchnorm=True)`` (Lightning converts)
=================================  =====================================================
"""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from mmlight.dist import (
    broadcast,
    get_dist_info,
    get_local_rank,
    init_dist,
    is_distributed,
)
from mmlight.dist.launch import check_launcher, resolve_backend
from mmlight.lightning.strategy_plan import StrategyPlan
from mmlight.utils.dl_utils.setup_env import set_multi_processing  # env_cfg.mp_cfg, as mmengine

__all__ = ["DistributedSetup", "set_multi_processing", "setup_distributed"]

_log = logging.getLogger("mmlight.lightning")


@dataclass
class DistributedSetup:
    """What the Runner needs to know about the process group, and what the Trainer gets.

    ``launcher`` is the effective launcher: 'pytorch' after a launch from one process.
    ``timestamp`` is rank 0's clock (seconds since the epoch), shared by every rank so they
    agree on the log directory name, as MMEngine broadcasts it. ``plan`` describes the
    strategy as data; ``trainer_kwargs()`` builds a new strategy from it for each Trainer.
    """

    launcher: str = "none"
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1
    num_nodes: int = 1
    backend: str | None = None
    timestamp: float = field(default_factory=time.time)
    launched_locally: bool = False
    plan: StrategyPlan = field(default_factory=StrategyPlan)

    @property
    def distributed(self) -> bool:
        return self.launcher != "none"

    def trainer_kwargs(self) -> dict[str, Any]:
        """Launcher/strategy Trainer arguments, with objects no other Trainer holds."""
        return self.plan.trainer_kwargs()


def _apply_resource_limit(limit: int) -> None:
    if platform.system() == "Windows":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(int(limit), soft)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _mp_options(env_cfg: Mapping[str, Any]) -> dict[str, Any]:
    mp_cfg = dict(env_cfg.get("mp_cfg") or {})
    unknown = sorted(set(mp_cfg) - {"mp_start_method", "opencv_num_threads"})
    if unknown:
        raise TypeError(
            f"env_cfg.mp_cfg has unknown key(s) {', '.join(map(repr, unknown))}; valid keys: "
            "'mp_start_method', 'opencv_num_threads'"
        )
    return mp_cfg


def _wants_cuda(trainer_kwargs: Mapping[str, Any]) -> bool:
    accelerator = trainer_kwargs.get("accelerator", "auto")
    return accelerator in ("auto", "gpu", "cuda", None) and torch.cuda.is_available()


def _local_world_size(world_size: int) -> tuple[int, int]:
    """(processes on this machine, machines); env first, else count hostnames across ranks."""
    for name in ("LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value), max(world_size // int(value), 1)
    nodes = os.environ.get("SLURM_NNODES", "")
    if nodes.isdigit() and int(nodes) > 0:
        return max(world_size // int(nodes), 1), int(nodes)
    import socket

    from mmlight.dist import all_gather_object

    hosts = all_gather_object(socket.gethostname())
    return hosts.count(socket.gethostname()), len(set(hosts))


def setup_distributed(
    launcher: str,
    env_cfg: dict,
    model_wrapper_cfg: dict | None = None,
    strategy: Any = None,
    trainer_kwargs: dict[str, Any] | None = None,
    *,
    sync_bn: str | None = None,
    find_unused_parameters: bool = False,
) -> DistributedSetup:
    """Set up this process as MMEngine's ``Runner.setup_env`` does, the Lightning way.

    ``trainer_kwargs`` are the user's Trainer settings (config ``trainer`` dict, CLI flags);
    they are read, never changed, and still win over what is returned.
    """
    check_launcher(launcher)
    if not isinstance(env_cfg, Mapping):
        raise TypeError(f"env_cfg must be a dict, got {type(env_cfg).__name__}")
    user = dict(trainer_kwargs or {})
    if env_cfg.get("cudnn_benchmark"):
        torch.backends.cudnn.benchmark = True

    launched_locally = False
    if launcher == "none" and not is_distributed():
        from mmlight.lightning.local_launch import launch_local_ranks, requested_processes

        processes = requested_processes(user)
        if processes > 1:
            launch_local_ranks(processes)
            launcher, launched_locally = "pytorch", True

    distributed = launcher != "none"
    set_multi_processing(**_mp_options(env_cfg), distributed=distributed)

    use_cuda = _wants_cuda(user)
    dist_cfg = dict(env_cfg.get("dist_cfg") or {})
    backend = resolve_backend(dist_cfg.pop("backend", "nccl"), use_cuda) if distributed else None
    if distributed and not is_distributed():
        init_dist(launcher, backend=backend or "gloo", **dist_cfg)
    rank, world_size = get_dist_info()

    stamp = torch.tensor(time.time(), dtype=torch.float64)
    broadcast(stamp)  # every rank names its log directory after rank 0's clock
    _apply_resource_limit(env_cfg.get("resource_limit", 4096))

    setup = DistributedSetup(
        launcher=launcher,
        rank=rank,
        world_size=world_size,
        backend=backend,
        timestamp=float(stamp.item()),
        launched_locally=launched_locally,
    )
    if distributed:
        setup.local_rank = get_local_rank()
        setup.local_world_size, setup.num_nodes = _local_world_size(world_size)
    plan = StrategyPlan(
        distributed=distributed,
        launcher=launcher,
        accelerator="cuda" if use_cuda else "cpu",
        rank=rank,
        world_size=world_size,
        local_world_size=setup.local_world_size,
        num_nodes=setup.num_nodes,
        backend=backend,
        strategy=strategy,
        model_wrapper_cfg=model_wrapper_cfg,
        find_unused_parameters=find_unused_parameters,
        sync_bn=sync_bn,
    )
    plan.trainer_kwargs()  # a config error surfaces now, before anything is built
    setup.plan = plan
    if distributed:
        _log.info(
            "distributed: launcher=%s rank %d of %d (local %d of %d, %d node(s)), backend=%s",
            launcher, rank, world_size, setup.local_rank, setup.local_world_size,
            setup.num_nodes, backend,
        )
    return setup
