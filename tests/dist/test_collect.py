"""collect_results: single-process slicing, argument errors, and 2-process gloo runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("device", ["cpu", "gpu", "npu"])
def test_single_process_returns_the_first_size_results(device: str) -> None:
    results = [1, None, 3, 4]
    assert dist.collect_results(results, 3, device) == [1, None, 3]
    assert dist.collect_results(results, 10, device) == results


def test_single_process_cpu_and_gpu_helpers() -> None:
    assert dist.collect_results_cpu(["a", "b"], 1) == ["a"]
    assert dist.collect_results_gpu(["a", "b"], 2) == ["a", "b"]


def test_unknown_device_is_rejected_with_choices() -> None:
    with pytest.raises(
        NotImplementedError,
        match=r"device='cuda' is not supported; choose one of 'cpu', 'gpu', 'npu'",
    ):
        dist.collect_results([], 0, device="cuda")
    with pytest.raises(ValueError, match="device='tpu' is not supported"):
        dist.collect_results([], 0, device="tpu")


def test_tmpdir_with_gpu_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"tmpdir=.* only applies to device='cpu'"):
        dist.collect_results([], 0, device="gpu", tmpdir=str(tmp_path))


# ---------------------------------------------------------------- two gloo processes

# Dataset of 5 samples, 2 ranks, round-robin sharding with round-up padding:
# rank 0 sees samples 0, 2, 4 and rank 1 sees 1, 3 and a padding copy of sample 0.
_PADDED = {0: ["s0", "s2", "s4"], 1: ["s1", "s3", "s0"]}


def gloo_worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    import mmlight.dist as d

    user_dir = workdir / "user_collect_dir"
    out: dict[str, Any] = {}
    for device in ("cpu", "gpu"):
        out[f"padded_{device}"] = d.collect_results(_PADDED[rank], 5, device)
        uneven = ["a", "c", "e"] if rank == 0 else ["b", "d"]
        out[f"uneven_{device}"] = d.collect_results(uneven, 5, device)
        # 'x' on rank 0 is padding for a 3-sample dataset.
        with_none = [None, "x"] if rank == 0 else [{"t": torch.tensor([1, 2])}]
        got = d.collect_results(with_none, 2, device)
        out[f"none_{device}"] = (
            None
            if got is None
            else [{"t": item["t"].tolist()} if isinstance(item, dict) else item for item in got]
        )
    out["user_dir"] = d.collect_results_cpu(["u0"] if rank == 0 else ["u1"], 2, str(user_dir))
    d.barrier()
    out["user_dir_left"] = sorted(p.name for p in user_dir.iterdir()) if user_dir.exists() else None
    out["gpu_helper"] = d.collect_results_gpu([rank], 2)
    return out


@pytest.fixture(scope="module")
def gloo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    harness = _load_harness()
    return harness.run_on_gloo(__file__, "gloo_worker", tmp_path_factory.mktemp("gloo_collect"))


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_padding_is_removed_and_order_restored(
    gloo_results: list[dict[str, Any]], device: str
) -> None:
    assert gloo_results[0][f"padded_{device}"] == ["s0", "s1", "s2", "s3", "s4"]
    assert gloo_results[1][f"padded_{device}"] is None


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_uneven_parts_interleave(gloo_results: list[dict[str, Any]], device: str) -> None:
    assert gloo_results[0][f"uneven_{device}"] == ["a", "b", "c", "d", "e"]
    assert gloo_results[1][f"uneven_{device}"] is None


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_genuine_none_results_survive(gloo_results: list[dict[str, Any]], device: str) -> None:
    # mmengine would drop the None and return [{'t': ...}, 'x'] here.
    assert gloo_results[0][f"none_{device}"] == [None, {"t": [1, 2]}]


def test_cpu_collect_leaves_the_users_directory(gloo_results: list[dict[str, Any]]) -> None:
    assert gloo_results[0]["user_dir"] == ["u0", "u1"]
    assert gloo_results[1]["user_dir"] is None
    # The per-call exchange directory inside it is gone; the directory itself stays.
    assert gloo_results[0]["user_dir_left"] == []
    assert gloo_results[0]["gpu_helper"] == [0, 1]
    assert gloo_results[1]["gpu_helper"] is None
