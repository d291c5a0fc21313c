"""Single-process answers of the process-group queries (no group initialised)."""

from __future__ import annotations

import torch
import torch.distributed as torch_dist

import mmlight.dist as dist


def test_no_process_group_is_initialised_here() -> None:
    assert not torch_dist.is_initialized()
    assert dist.is_distributed() is False


def test_single_process_answers() -> None:
    assert dist.get_rank() == 0
    assert dist.get_world_size() == 1
    assert dist.get_dist_info() == (0, 1)
    assert dist.get_local_rank() == 0
    assert dist.get_local_size() == 1
    assert dist.is_main_process() is True
    assert dist.get_backend() is None
    assert dist.get_default_group() is None
    assert dist.get_local_group() is None
    assert dist.get_comm_device() == torch.device("cpu")
    dist.barrier()  # a no-op, must not raise


def test_master_only_runs_on_rank_zero_and_keeps_metadata() -> None:
    @dist.master_only
    def answer(x: int) -> int:
        """Docstring kept."""
        return x + 1

    assert answer(1) == 2
    assert answer.__name__ == "answer"
    assert answer.__doc__ == "Docstring kept."


def test_infer_launcher_reads_environment(monkeypatch) -> None:
    for name in ("WORLD_SIZE", "SLURM_NTASKS", "OMPI_COMM_WORLD_LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert dist.infer_launcher() == "none"
    monkeypatch.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "0")
    assert dist.infer_launcher() == "mpi"
    monkeypatch.setenv("SLURM_NTASKS", "4")
    assert dist.infer_launcher() == "slurm"
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert dist.infer_launcher() == "pytorch"


def test_local_rank_ignores_environment_when_not_distributed(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "3")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert dist.get_local_rank() == 0
    assert dist.get_local_size() == 1


def test_data_device_and_cast() -> None:
    data = {"a": torch.zeros(2), "b": [torch.ones(1), torch.ones(3)]}
    assert dist.get_data_device(data) == torch.device("cpu")
    moved = dist.cast_data_device(data, torch.device("cpu"))
    assert moved["a"] is data["a"]  # already there: not copied
    out = torch.zeros(2)
    dist.cast_data_device(torch.tensor([1.0, 2.0]), torch.device("cpu"), out=out)
    assert out.tolist() == [1.0, 2.0]


def test_data_device_errors() -> None:
    import pytest

    with pytest.raises(
        TypeError, match="expected a Tensor or a list/tuple/dict of Tensors, got int"
    ):
        dist.get_data_device(3)
    with pytest.raises(ValueError, match="empty container"):
        dist.get_data_device([])
    with pytest.raises(TypeError, match="out should be the same type with data: Tensor vs list"):
        dist.cast_data_device(torch.zeros(1), torch.device("cpu"), out=[torch.zeros(1)])


def test_mmengine_module_paths_resolve() -> None:
    from mmlight.dist.dist import all_gather_object, collect_results
    from mmlight.dist.utils import cast_data_device, get_comm_device, get_dist_info

    assert collect_results is dist.collect_results
    assert all_gather_object is dist.all_gather_object
    assert (get_comm_device, cast_data_device) == (dist.get_comm_device, dist.cast_data_device)
    assert get_dist_info is dist.get_dist_info
    import mmlight.dist.utils as utils_module

    assert not hasattr(utils_module, "no_such_helper")
