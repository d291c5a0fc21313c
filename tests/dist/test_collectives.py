"""Collectives: single-process fallbacks, and real 2-process gloo runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import mmlight.dist as dist


def _load_harness() -> Any:
    path = Path(__file__).with_name("gloo_harness.py")
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- single process


def test_all_reduce_is_a_noop_in_one_process() -> None:
    data = torch.tensor([1, 2])
    dist.all_reduce(data)
    dist.all_reduce(data, op="mean")
    assert data.tolist() == [1, 2]


def test_all_reduce_rejects_unknown_op_even_in_one_process() -> None:
    with pytest.raises(ValueError, match=r"unknown reduce op 'avg'; choose one of 'sum', 'mean'"):
        dist.all_reduce(torch.zeros(1), op="avg")


def test_single_process_gathers_return_the_input() -> None:
    data = torch.arange(3)
    assert dist.all_gather(data)[0] is data
    assert dist.gather(data)[0] is data
    assert dist.all_gather_object({"a": 1}) == [{"a": 1}]
    assert dist.gather_object("x") == ["x"]


def test_broadcast_helpers_do_nothing_in_one_process() -> None:
    data = torch.arange(3)
    dist.broadcast(data)
    assert data.tolist() == [0, 1, 2]
    items = ["a", 1]
    dist.broadcast_object_list(items)
    assert items == ["a", 1]


def test_broadcast_object_list_wants_a_list() -> None:
    with pytest.raises(TypeError, match=r"expects a list \(changed in place\), got tuple"):
        dist.broadcast_object_list(("a",))  # type: ignore[arg-type]


def test_sync_random_seed_draws_from_numpy_like_mmengine() -> None:
    np.random.seed(7)
    expected = np.random.randint(2**31)
    np.random.seed(7)
    assert dist.sync_random_seed() == expected


def test_reduce_dict_and_params_are_noops_in_one_process() -> None:
    data = {"a": torch.ones(2)}
    dist.all_reduce_dict(data)
    assert data["a"].tolist() == [1.0, 1.0]
    param = torch.nn.Parameter(torch.ones(2))
    dist.all_reduce_params([param])
    assert param.data.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="expects a dict of tensors, got list"):
        dist.all_reduce_dict([torch.ones(1)])  # type: ignore[arg-type]


# ---------------------------------------------------------------- two gloo processes


def gloo_worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    """Runs on each rank; returns plain Python values for the parent to check."""
    import mmlight.dist as d

    out: dict[str, Any] = {
        "info": d.get_dist_info(),
        "is_distributed": d.is_distributed(),
        "backend": d.get_backend(),
        "main": d.is_main_process(),
        "local": (d.get_local_rank(), d.get_local_size()),
        "default_group_is_none": d.get_default_group() is None,
        "launcher": d.infer_launcher(),
    }

    summed = torch.tensor([1.0, 2.0]) + 10 * rank
    d.all_reduce(summed)
    out["sum"] = summed.tolist()
    mean = torch.tensor([1.0, 2.0]) + 10 * rank
    d.all_reduce(mean, op="mean")
    out["mean"] = mean.tolist()
    int_mean = torch.tensor([1, 4]) + rank  # [1,4] and [2,5] -> mean [1.5, 4.5] -> int
    d.all_reduce(int_mean, op="Mean")
    out["int_mean"] = (int_mean.tolist(), str(int_mean.dtype))
    biggest = torch.tensor([rank])
    d.all_reduce(biggest, op="max")
    out["max"] = biggest.tolist()

    out["all_gather"] = [t.tolist() for t in d.all_gather(torch.tensor([rank, rank * 2]))]
    out["gather"] = [t.tolist() for t in d.gather(torch.tensor([rank]), dst=1)]
    out["all_gather_object"] = d.all_gather_object({"rank": rank, "items": list(range(rank + 1))})
    out["gather_object"] = d.gather_object(f"r{rank}", dst=0)

    tensor = torch.tensor([rank + 5, rank + 6])
    d.broadcast(tensor, src=1)
    out["broadcast"] = tensor.tolist()
    objects: list[Any] = ["from rank 0", {"k": [1, 2]}] if rank == 0 else [None, None]
    d.broadcast_object_list(objects)
    out["broadcast_object_list"] = objects

    np.random.seed(100 + rank)  # different local draws: only rank 0's may win
    out["seed"] = d.sync_random_seed()
    np.random.seed(100)
    out["rank0_draw"] = int(np.random.randint(2**31))

    reduce_dict = {"b": torch.tensor([float(rank)]), "a": torch.ones(2, 2) * (rank + 1)}
    d.all_reduce_dict(reduce_dict, op="mean")
    out["reduce_dict"] = {k: v.tolist() for k, v in reduce_dict.items()}

    params = [torch.nn.Parameter(torch.ones(3) * (rank + 1)), torch.ones(2, dtype=torch.int64)]
    d.all_reduce_params(params, bucket_size_mb=1)
    out["reduce_params"] = [p.data.tolist() for p in params]
    d.barrier()
    return out


@pytest.fixture(scope="module")
def gloo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    harness = _load_harness()
    return harness.run_on_gloo(__file__, "gloo_worker", tmp_path_factory.mktemp("gloo"))


def test_gloo_queries(gloo_results: list[dict[str, Any]]) -> None:
    for rank, out in enumerate(gloo_results):
        assert out["info"] == (rank, 2)
        assert out["is_distributed"] is True
        assert out["backend"] == "gloo"
        assert out["main"] is (rank == 0)
        assert out["local"] == (rank, 2)  # from LOCAL_RANK / LOCAL_WORLD_SIZE
        assert out["default_group_is_none"] is False
        assert out["launcher"] == "pytorch"


def test_gloo_all_reduce(gloo_results: list[dict[str, Any]]) -> None:
    for out in gloo_results:
        assert out["sum"] == [12.0, 14.0]
        assert out["mean"] == [6.0, 7.0]
        assert out["int_mean"] == ([1, 4], "torch.int64")  # mmengine truncates too
        assert out["max"] == [1]


def test_gloo_gathers(gloo_results: list[dict[str, Any]]) -> None:
    for rank, out in enumerate(gloo_results):
        assert out["all_gather"] == [[0, 0], [1, 2]]
        assert out["gather"] == ([[0], [1]] if rank == 1 else [])
        assert out["all_gather_object"] == [
            {"rank": 0, "items": [0]},
            {"rank": 1, "items": [0, 1]},
        ]
        assert out["gather_object"] == (["r0", "r1"] if rank == 0 else None)


def test_gloo_broadcasts(gloo_results: list[dict[str, Any]]) -> None:
    for out in gloo_results:
        assert out["broadcast"] == [6, 7]
        assert out["broadcast_object_list"] == ["from rank 0", {"k": [1, 2]}]


def test_gloo_sync_random_seed_uses_rank0_draw(gloo_results: list[dict[str, Any]]) -> None:
    seeds = {out["seed"] for out in gloo_results}
    assert seeds == {gloo_results[0]["rank0_draw"]}


def test_gloo_reduce_dict_and_params(gloo_results: list[dict[str, Any]]) -> None:
    for out in gloo_results:
        assert out["reduce_dict"] == {"a": [[1.5, 1.5], [1.5, 1.5]], "b": [0.5]}
        assert out["reduce_params"] == [[3.0, 3.0, 3.0], [2, 2]]
