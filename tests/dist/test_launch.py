"""``init_dist``: launcher environments -> torchrun variables -> an initialised group."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator

import pytest
import torch.distributed as torch_dist

import mmlight.dist as dist
from mmlight.dist import launch

_ENV_NAMES = (
    "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
    "SLURM_PROCID", "SLURM_NTASKS", "SLURM_NODELIST", "SLURM_LOCALID", "OMPI_COMM_WORLD_RANK",
    "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_exported_from_mmlight_dist_and_dist_utils() -> None:
    from mmlight.dist.utils import init_dist

    assert dist.init_dist is init_dist is launch.init_dist
    assert dist.LAUNCHERS == ("none", "pytorch", "slurm", "mpi")


def test_unknown_launcher_names_the_choices_and_a_close_match() -> None:
    with pytest.raises(ValueError, match=r"launcher='pytroch'.*'pytorch', 'slurm', 'mpi'"):
        dist.init_dist("pytroch")
    with pytest.raises(dist.InvalidLauncherError, match="Did you mean 'slurm'"):
        dist.init_dist("slrum")
    with pytest.raises(dist.InvalidLauncherError, match="launcher='none'"):
        dist.init_dist("none")  # 'none' means no group: nothing to initialise


def test_missing_launcher_variables_are_a_readable_key_error(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError) as info:
        dist.init_dist("pytorch", backend="gloo")
    assert str(info.value).startswith("launcher='pytorch' needs the environment variable RANK")
    assert "torchrun --nproc_per_node" in str(info.value)


def test_timeout_must_be_seconds(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError, match=r"timeout in seconds .*got str '30'"):
        dist.init_dist("pytorch", backend="gloo", timeout="30")


def test_nccl_without_cuda_falls_back_to_gloo() -> None:
    assert launch.resolve_backend("nccl", use_cuda=False) == "gloo"
    assert launch.resolve_backend("nccl", use_cuda=True) == "nccl"
    assert launch.resolve_backend("gloo", use_cuda=True) == "gloo"


def test_pytorch_launcher_initialises_a_group(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RANK", "0")
    clean_env.setenv("WORLD_SIZE", "1")
    clean_env.setenv("LOCAL_RANK", "0")
    clean_env.setenv("MASTER_ADDR", "127.0.0.1")
    clean_env.setenv("MASTER_PORT", _free_port())
    try:
        dist.init_dist("pytorch", backend="nccl", timeout=60)  # no CUDA here: gloo
        assert dist.is_distributed()
        assert dist.get_backend() == "gloo"
        assert dist.get_dist_info() == (0, 1)
        dist.init_dist("pytorch", backend="gloo")  # already initialised: left alone
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()


def test_slurm_variables_become_torchrun_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SLURM_PROCID", "5")
    clean_env.setenv("SLURM_NTASKS", "8")
    clean_env.setenv("SLURM_LOCALID", "1")
    clean_env.setenv("SLURM_NODELIST", "gpu-node[3-4]")
    launch._export_slurm_env(port=None)
    import os

    assert (os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"]) == (
        "5", "8", "1"
    )
    assert os.environ["MASTER_PORT"] == "29500"  # mmengine's default
    if shutil.which("scontrol") is None:
        assert os.environ["MASTER_ADDR"] == "gpu-node3"
    launch._export_slurm_env(port=12345)
    assert os.environ["MASTER_PORT"] == "12345"  # dist_cfg.port wins


def test_mpi_variables_become_torchrun_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OMPI_COMM_WORLD_RANK", "3")
    clean_env.setenv("OMPI_COMM_WORLD_SIZE", "4")
    clean_env.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "1")
    with pytest.raises(KeyError, match="needs MASTER_ADDR"):
        launch._export_mpi_env()
    clean_env.setenv("MASTER_ADDR", "10.0.0.1")
    launch._export_mpi_env()
    import os

    assert (os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"]) == (
        "3", "4", "1"
    )
    assert os.environ["MASTER_PORT"] == "29500"
