"""``init_dist``: join the process group a launcher prepared, as ``mmengine.dist.init_dist``.

Each launcher leaves its own environment variables behind (torchrun: ``RANK``/``LOCAL_RANK``/
``WORLD_SIZE``; SLURM's ``srun``: ``SLURM_PROCID``/``SLURM_NTASKS``/...; Open MPI's ``mpirun``:
``OMPI_COMM_WORLD_*``). This module turns them into the torchrun variables every other part of
mmlight (and Lightning) reads, then initialises the default group with them.

One deliberate difference from mmengine: a ``'nccl'`` backend on a machine without CUDA falls
back to ``'gloo'`` (with a log line), so a GPU config also runs on CPU; mmengine fails there.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import os
import shutil
import subprocess
from typing import Any

import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from .utils import is_distributed

__all__ = [
    "LAUNCHERS",
    "InvalidLauncherError",
    "LauncherEnvError",
    "check_launcher",
    "init_dist",
    "resolve_backend",
]

# 'none' is accepted by the Runner (no process group); init_dist needs a real launcher.
LAUNCHERS = ("none", "pytorch", "slurm", "mpi")
_DEFAULT_PORT = "29500"  # torch.distributed's default, as mmengine uses it

_log = logging.getLogger("mmlight.dist")


class InvalidLauncherError(ValueError):
    """A ``launcher=`` name that is not one of ``LAUNCHERS``."""


class LauncherEnvError(KeyError):
    """An environment variable the launcher should have set is missing (mmengine: KeyError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_launcher(launcher: object, allow_none: bool = True) -> str:
    """Return ``launcher`` if known, else raise with the valid names and a close match."""
    from mmlight.config.errors import did_you_mean

    valid = LAUNCHERS if allow_none else LAUNCHERS[1:]
    if not isinstance(launcher, str) or launcher not in valid:
        raise InvalidLauncherError(
            f"launcher={launcher!r} is not a launcher mmlight knows; choose one of "
            f"{', '.join(map(repr, valid))} ('pytorch' for torchrun, 'slurm' for srun, 'mpi' for "
            f"mpirun).{did_you_mean(launcher, valid)}"
        )
    return launcher


def resolve_backend(backend: str, use_cuda: bool | None = None) -> str:
    """``backend``, except that 'nccl' becomes 'gloo' (logged) when CUDA is not used."""
    if use_cuda is None:
        use_cuda = torch.cuda.is_available()
    if backend == "nccl" and not use_cuda:
        _log.info(
            "dist_cfg.backend='nccl' needs CUDA, which this process does not use; "
            "communicating with 'gloo' instead"
        )
        return "gloo"
    return backend


def _required_env(name: str, launcher: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise LauncherEnvError(
            f"launcher={launcher!r} needs the environment variable {name}, which is not set: "
            f"start the job with the matching launcher ({_HOW_TO_START[launcher]})"
        )
    return value


_HOW_TO_START = {
    "pytorch": "torchrun --nproc_per_node N train.py ...",
    "slurm": "srun --ntasks N python train.py ...",
    "mpi": "mpirun -np N python train.py ...",
}


def init_dist(
    launcher: str, backend: str = "nccl", init_backend: str = "torch", **kwargs: Any
) -> None:
    """Initialise the default process group for ``launcher`` ('pytorch', 'slurm' or 'mpi').

    ``kwargs`` go to ``torch.distributed.init_process_group``; ``timeout`` is in seconds, as in
    mmengine's ``env_cfg.dist_cfg``. ``port`` (SLURM only) overrides ``MASTER_PORT``.
    """
    check_launcher(launcher, allow_none=False)
    timeout = kwargs.get("timeout")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        try:
            kwargs["timeout"] = datetime.timedelta(seconds=timeout)
        except TypeError as error:
            raise TypeError(
                "env_cfg.dist_cfg.timeout is the distributed timeout in seconds (a number), got "
                f"{type(timeout).__name__} {timeout!r}; write e.g. "
                "dist_cfg=dict(backend='nccl', timeout=1800)"
            ) from error
    if mp.get_start_method(allow_none=True) is None:
        mp.set_start_method("spawn")
    if launcher == "slurm":
        _export_slurm_env(kwargs.pop("port", None))
    elif launcher == "mpi":
        _export_mpi_env()
    rank = int(_required_env("RANK", launcher))
    world_size = int(_required_env("WORLD_SIZE", launcher))
    local_rank = int(_required_env("LOCAL_RANK", launcher))
    use_cuda = torch.cuda.is_available() and backend != "gloo"
    backend = resolve_backend(backend, use_cuda)
    if use_cuda:
        torch.cuda.set_device(local_rank)
    if is_distributed():
        return
    if init_backend == "torch":
        torch_dist.init_process_group(backend=backend, rank=rank, world_size=world_size, **kwargs)
        # A group left alive at interpreter exit can abort the process from a backend thread
        # ("terminate called without an active exception"); close the one created here.
        atexit.register(_destroy_group)
    elif init_backend == "deepspeed":
        try:
            import deepspeed
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(
                "init_backend='deepspeed' needs DeepSpeed: pip install deepspeed"
            ) from error
        deepspeed.init_distributed(dist_backend=backend, **kwargs)
    else:
        raise ValueError(
            f"init_backend={init_backend!r} is not supported; use 'torch' (or 'deepspeed' with "
            "DeepSpeed installed)"
        )


def _destroy_group() -> None:
    """At exit: let every rank arrive, then close the group.

    Tearing a gloo group down while a peer still uses it aborts that peer's process
    ("terminate called without an active exception"). A monitored barrier with a timeout waits
    for the peers without hanging forever when one of them has died.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    if torch_dist.get_backend() == "gloo":
        from datetime import timedelta

        try:
            torch_dist.monitored_barrier(timeout=timedelta(seconds=60))
        except RuntimeError:
            pass  # a peer is gone; close our side anyway
    torch_dist.destroy_process_group()


def _export_slurm_env(port: int | str | None) -> None:
    """SLURM's variables -> torchrun's, with mmengine's rules for the address and port."""
    rank = _required_env("SLURM_PROCID", "slurm")
    ntasks = _required_env("SLURM_NTASKS", "slurm")
    local_rank = os.environ.get("SLURM_LOCALID")
    if local_rank is None:
        local_rank = str(int(rank) % max(torch.cuda.device_count(), 1))
    if port is not None:
        os.environ["MASTER_PORT"] = str(port)
    os.environ.setdefault("MASTER_PORT", _DEFAULT_PORT)
    if "MASTER_ADDR" not in os.environ:
        os.environ["MASTER_ADDR"] = _first_slurm_host(_required_env("SLURM_NODELIST", "slurm"))
    os.environ["WORLD_SIZE"] = ntasks
    os.environ["LOCAL_RANK"] = local_rank
    os.environ["RANK"] = rank


def _first_slurm_host(node_list: str) -> str:
    """The job's first host: ``scontrol`` as mmengine asks it, else Lightning's parser."""
    if shutil.which("scontrol"):
        output = subprocess.run(
            ["scontrol", "show", "hostname", node_list], capture_output=True, text=True, check=False
        ).stdout.split()
        if output:
            return output[0]
    from lightning.fabric.plugins.environments import SLURMEnvironment

    return SLURMEnvironment.resolve_root_node_address(node_list)


def _export_mpi_env() -> None:
    """Open MPI's variables -> torchrun's (MASTER_ADDR must come from the user, as in mmengine)."""
    local_rank = _required_env("OMPI_COMM_WORLD_LOCAL_RANK", "mpi")
    os.environ.setdefault("MASTER_PORT", _DEFAULT_PORT)
    if "MASTER_ADDR" not in os.environ:
        raise LauncherEnvError(
            "launcher='mpi' needs MASTER_ADDR (the address of rank 0's machine) in the "
            "environment: mpirun -x MASTER_ADDR=<host> ..."
        )
    os.environ["WORLD_SIZE"] = _required_env("OMPI_COMM_WORLD_SIZE", "mpi")
    os.environ["RANK"] = _required_env("OMPI_COMM_WORLD_RANK", "mpi")
    os.environ["LOCAL_RANK"] = local_rank
    local_size = os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE")
    if local_size is not None:
        os.environ.setdefault("LOCAL_WORLD_SIZE", local_size)
