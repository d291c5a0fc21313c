"""FSDP: mmlight's MMFSDPStrategy trains on CPU (gloo) here, the same code path as on CUDA.

Lightning 2.6 refuses its exact ``FSDPStrategy`` class without CUDA and hands torch's FSDP
``device_id=None`` on a CPU, which torch rejects. Its FSDPStrategy also wraps the
LightningModule and calls ``training_step`` through the root FSDP forward, where a
``BaseModel``'s backward would run inside FSDP's forward (torch asserts "Expects
`BACKWARD_PRE` or `BACKWARD_POST` state but got HandleTrainingState.FORWARD").
``mmlight.lightning.fsdp.MMFSDPStrategy`` wraps the BaseModel in
``MMFullyShardedDataParallel`` instead (MMEngine's way: backward and the optimizer step run
after the FSDP forward returned), passes ``device_id=torch.device('cpu')`` on a CPU, and is
a subclass, which Lightning lets through on a CPU.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.runner.test_ddp import (
    SCRIPT,
    TIMEOUT,
    TORCHRUN,
    _assert_eval_gathered_exactly,
    _env,
    _results,
    _single,
    assert_stages_gathered_exactly,
)

GATHER_SCRIPT = Path(__file__).with_name("fsdp_gather_script.py")

LIGHTNING_CPU_ERROR = (
    "The strategy `fsdp` requires a GPU accelerator, but received `accelerator='cpu'`"
)


@pytest.fixture(scope="module")
def single_run() -> dict[str, Any]:
    """Plain torch, one process, batches of 8: what 2 ranks of batch 4 must reproduce."""
    return _single(1)


def test_fsdp_configs_build_mm_fsdp_strategy() -> None:
    from torch.distributed.fsdp import ShardingStrategy

    from mmlight.lightning.dist_strategy import strategy_from_config, strategy_from_model_wrapper
    from mmlight.lightning.fsdp import MMFSDPStrategy

    strategy = strategy_from_model_wrapper(
        dict(type="MMFullyShardedDataParallel", sharding_strategy="SHARD_GRAD_OP"),
        process_group_backend="gloo",
    )
    assert type(strategy) is MMFSDPStrategy
    assert strategy.wrapper_cfg == dict(sharding_strategy="SHARD_GRAD_OP")
    assert strategy.process_group_backend == "gloo"
    built, extra = strategy_from_config(
        dict(type="FSDPStrategy", sharding_strategy="SHARD_GRAD_OP")
    )
    assert type(built) is MMFSDPStrategy and extra == {}
    assert built.sharding_strategy is ShardingStrategy.SHARD_GRAD_OP
    by_name, extra = strategy_from_config("fsdp", process_group_backend="gloo")
    assert type(by_name) is MMFSDPStrategy and by_name.process_group_backend == "gloo"
    offload, _ = strategy_from_config("fsdp_cpu_offload")
    assert type(offload) is MMFSDPStrategy and offload.cpu_offload.offload_params
    assert strategy_from_config("ddp") == ("ddp", {})


def test_mm_fsdp_strategy_passes_lightnings_cpu_check() -> None:
    import lightning.pytorch as pl

    from mmlight.lightning.fsdp import MMFSDPStrategy

    trainer = pl.Trainer(accelerator="cpu", devices=1, strategy=MMFSDPStrategy(), logger=False)
    assert isinstance(trainer.strategy, MMFSDPStrategy)


def test_lightning_refuses_fsdp_on_cpu() -> None:
    """Why mmlight needs its own strategy class on a CPU; fails once Lightning allows it."""
    import lightning.pytorch as pl
    from lightning.pytorch.strategies import FSDPStrategy

    with pytest.raises(ValueError, match=re.escape(LIGHTNING_CPU_ERROR)):
        pl.Trainer(accelerator="cpu", devices=1, strategy=FSDPStrategy(), logger=False)


def test_full_state_dict_gathered_from_fsdp_shards_on_gloo(tmp_path: Path) -> None:
    # What a checkpoint under FSDP stores: every rank gathers, keys as the plain model's.
    proc = subprocess.run([*TORCHRUN, str(GATHER_SCRIPT), str(tmp_path / "out")], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    saved = torch.load(tmp_path / "out" / "gathered.pt", weights_only=True)
    reference, full = saved["reference"], saved["full"]
    # The shards alone are not the model: flat slices, some of them empty on rank 0.
    assert saved["sharded_shapes"]["head.weight"] != tuple(reference["head.weight"].shape)
    assert list(full) == list(reference)
    for key, value in reference.items():
        torch.testing.assert_close(full[key], value, atol=1e-6, rtol=0)


def _check_fsdp_run(tmp_path: Path, single: dict[str, Any]) -> None:
    """Weights, metrics and the checkpoint of a 2-process FSDP run (train -> val -> test in
    one process) against one process."""
    from mmlight.runner import load_checkpoint
    from tests.runner.ddp_script import DDPLineModel

    ranks = _results(tmp_path / "out", 2)
    _assert_eval_gathered_exactly(ranks, single)
    assert_stages_gathered_exactly(ranks, ["val", "test"], single["eval"])
    checkpoint = torch.load(tmp_path / "wd" / "epoch_2.pth", weights_only=True)
    state = checkpoint["state_dict"]
    plain = DDPLineModel()
    assert list(state) == list(plain.state_dict())
    for key, value in single["state_dict"].items():
        torch.testing.assert_close(state[key], value, atol=1e-5, rtol=0)
    load_checkpoint(plain, str(tmp_path / "wd" / "epoch_2.pth"), strict=True)
    for key, value in single["state_dict"].items():
        torch.testing.assert_close(plain.state_dict()[key], value, atol=1e-5, rtol=0)


def _run_fsdp(mode: str, tmp_path: Path, stages: str = "train,val,test") -> None:
    args = [mode, str(tmp_path / "wd"), str(tmp_path / "out"), "4", "--stages", stages]
    proc = subprocess.run([*TORCHRUN, str(SCRIPT), *args], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]


def test_fsdp_on_cpu_gloo_matches_single_process(
    tmp_path: Path, single_run: dict[str, Any]
) -> None:
    # model_wrapper_cfg=dict(type='MMFullyShardedDataParallel') and trainer.accelerator='cpu'.
    _run_fsdp("fsdp_cpu", tmp_path)
    _check_fsdp_run(tmp_path, single_run)


def test_fsdp_on_cpu_gloo_val_then_test_without_training(
    tmp_path: Path, single_run: dict[str, Any]
) -> None:
    # Each stage shards the model under its own strategy; the second finds it sharded.
    _run_fsdp("fsdp_cpu", tmp_path, stages="val,test")
    assert_stages_gathered_exactly(
        _results(tmp_path / "out", 2), ["val", "test"], single_run["untrained_eval"]
    )


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 CUDA devices")
def test_fsdp_with_two_gpus_matches_single_process(
    tmp_path: Path, single_run: dict[str, Any]
) -> None:
    # model_wrapper_cfg=dict(type='MMFullyShardedDataParallel'), as a user writes it.
    _run_fsdp("fsdp", tmp_path)
    _check_fsdp_run(tmp_path, single_run)
