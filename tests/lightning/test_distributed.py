"""launcher / env_cfg / model_wrapper_cfg / strategy -> Trainer kwargs, and their errors."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
import torch
import torch.distributed as torch_dist
from lightning.fabric.plugins.environments import TorchElasticEnvironment
from lightning.pytorch.strategies import DDPStrategy, FSDPStrategy

from mmlight.lightning.dist_strategy import (
    StrategyConfigError,
    strategy_from_config,
    strategy_from_model_wrapper,
    sync_bn_trainer_kwargs,
)
from mmlight.lightning.distributed import setup_distributed
from mmlight.lightning.local_launch import LocalLaunchError, requested_processes
from mmlight.lightning.strategy_plan import StrategyPlan

_LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                "MASTER_ADDR", "MASTER_PORT", "MMLIGHT_LOCAL_LAUNCH", "TORCHELASTIC_RUN_ID")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in _LAUNCH_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MKL_NUM_THREADS", "1")
    yield monkeypatch


# -- launcher 'none' ------------------------------------------------------------------------
def test_no_launcher_is_one_device(clean_env: pytest.MonkeyPatch) -> None:
    setup = setup_distributed("none", dict(dist_cfg=dict(backend="nccl")))
    assert not setup.distributed
    assert (setup.rank, setup.world_size, setup.backend) == (0, 1, None)
    assert setup.trainer_kwargs() == dict(accelerator="auto", devices=1)


def test_bad_launcher_name_says_what_is_valid() -> None:
    with pytest.raises(ValueError, match=r"launcher='pytroch'.*Did you mean 'pytorch'"):
        setup_distributed("pytroch", {})


def test_cudnn_benchmark_and_mp_cfg(clean_env: pytest.MonkeyPatch) -> None:
    before = torch.backends.cudnn.benchmark
    try:
        setup_distributed("none", dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method="fork")))
        assert torch.backends.cudnn.benchmark is True
        assert torch.multiprocessing.get_start_method() == "fork"
    finally:
        torch.backends.cudnn.benchmark = before
    with pytest.raises(TypeError, match=r"env_cfg.mp_cfg has unknown key\(s\) 'threads'"):
        setup_distributed("none", dict(mp_cfg=dict(threads=2)))


def test_strategy_entry_passes_through_without_launcher(clean_env: pytest.MonkeyPatch) -> None:
    setup = setup_distributed("none", {}, strategy="ddp")
    assert setup.trainer_kwargs()["strategy"] == "ddp"
    # Lightning's FSDP names become mmlight's FSDP strategy (it shards the BaseModel).
    from mmlight.lightning.fsdp import MMFSDPStrategy

    fsdp = setup_distributed("none", {}, strategy="fsdp").trainer_kwargs()["strategy"]
    assert type(fsdp) is MMFSDPStrategy


# -- model wrappers and strategies ----------------------------------------------------------
def test_default_wrapper_is_ddp_with_mmengine_defaults() -> None:
    strategy = strategy_from_model_wrapper(None, find_unused_parameters=True,
                                           process_group_backend="gloo")
    assert isinstance(strategy, DDPStrategy)
    assert strategy._ddp_kwargs == dict(broadcast_buffers=False, find_unused_parameters=True)
    assert strategy._process_group_backend == "gloo"


def test_model_wrapper_cfg_becomes_ddp_kwargs() -> None:
    strategy = strategy_from_model_wrapper(
        dict(type="MMDistributedDataParallel", static_graph=True, detect_anomalous_params=True,
             device_ids=[0])
    )
    assert strategy._ddp_kwargs == dict(static_graph=True)
    fsdp = strategy_from_model_wrapper(dict(type="MMFullyShardedDataParallel"))
    assert isinstance(fsdp, FSDPStrategy)


def test_unknown_model_wrappers_are_refused() -> None:
    with pytest.raises(StrategyConfigError, match="Did you mean 'MMDistributedDataParallel'"):
        strategy_from_model_wrapper(dict(type="MMDistributedDataParalel"))
    with pytest.raises(StrategyConfigError, match=r"'DataParallel' \(one process driving several "
                       r"GPUs\) has no Lightning strategy"):
        strategy_from_model_wrapper(dict(type="DataParallel"))
    with pytest.raises(StrategyConfigError,
                       match=r"model_wrapper_cfg.type='MMDeepSpeedEngineWrapper': this wrapper "
                       r"is built by mmengine's DeepSpeedStrategy"):
        strategy_from_model_wrapper(dict(type="MMDeepSpeedEngineWrapper"))


def test_separate_ddp_wrapper_builds_its_strategy() -> None:
    from mmlight.lightning.separate_ddp import MMSeparateDDPStrategy

    strategy = strategy_from_model_wrapper(
        dict(type="MMSeparateDistributedDataParallel", find_unused_parameters=True,
             detect_anomalous_params=True, device_ids=[0]),
        process_group_backend="gloo",
    )
    assert type(strategy) is MMSeparateDDPStrategy
    # detect_anomalous_params reaches each submodule's MMDistributedDataParallel
    assert strategy._ddp_kwargs == dict(find_unused_parameters=True, detect_anomalous_params=True)
    assert strategy._process_group_backend == "gloo"


def test_strategy_strings_are_checked() -> None:
    assert strategy_from_config("ddp") == ("ddp", {})
    with pytest.raises(StrategyConfigError, match="Did you mean 'ddp'"):
        strategy_from_config("dpp")


def test_deepspeed_missing_gives_the_install_hint() -> None:
    pytest.importorskip("lightning")
    try:
        import deepspeed  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        pytest.skip("deepspeed is installed here")
    with pytest.raises(ModuleNotFoundError, match="pip install deepspeed"):
        strategy_from_config("deepspeed_stage_2")
    with pytest.raises(ModuleNotFoundError, match="pip install deepspeed"):
        strategy_from_config(dict(type="DeepSpeedStrategy", stage=2))


def test_strategy_dicts_build_lightning_classes() -> None:
    strategy, extra = strategy_from_config(
        dict(type="DDPStrategy", model_wrapper=dict(find_unused_parameters=True), sync_bn="torch"),
        process_group_backend="gloo",
    )
    assert isinstance(strategy, DDPStrategy)
    assert strategy._ddp_kwargs == dict(find_unused_parameters=True)
    assert extra == dict(sync_batchnorm=True)
    fsdp, _ = strategy_from_config(dict(type="FSDPStrategy", cpu_offload=True))
    assert isinstance(fsdp, FSDPStrategy)
    with pytest.raises(StrategyConfigError, match="Did you mean 'FSDPStrategy'"):
        strategy_from_config(dict(type="FSDPStrategyy"))
    with pytest.raises(StrategyConfigError, match="a dict with a `type` key"):
        strategy_from_config(3)


def test_strategy_and_model_wrapper_cfg_together_are_refused() -> None:
    plan = StrategyPlan(distributed=True, strategy="ddp", backend="gloo",
                        model_wrapper_cfg=dict(type="MMDistributedDataParallel"))
    with pytest.raises(StrategyConfigError, match="both `strategy` and `model_wrapper_cfg`"):
        plan.trainer_kwargs()


def test_sync_bn() -> None:
    assert sync_bn_trainer_kwargs("torch") == dict(sync_batchnorm=True)
    assert sync_bn_trainer_kwargs(None) == {}
    with pytest.raises(StrategyConfigError, match="sync_bn='torch'"):
        sync_bn_trainer_kwargs("mmcv")


# -- one-process launch -------------------------------------------------------------------
def test_requested_processes() -> None:
    assert requested_processes({}) == 1
    assert requested_processes(dict(devices=1)) == 1
    assert requested_processes(dict(devices=2, accelerator="cpu", strategy="ddp")) == 2
    assert requested_processes(dict(devices="2")) == 2
    assert requested_processes(dict(devices=[0, 1])) == 2
    with pytest.raises(LocalLaunchError, match="use strategy='ddp'"):
        requested_processes(dict(devices=2, strategy="ddp_spawn"))
    with pytest.raises(LocalLaunchError, match="torchrun"):
        requested_processes(dict(devices=2, num_nodes=2))
    with pytest.raises(LocalLaunchError, match="not a number of devices"):
        requested_processes(dict(devices="two"))


# -- a real (one-rank) group, as torchrun would leave it ------------------------------------
def test_pytorch_launcher_maps_to_ddp_trainer_kwargs(clean_env: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    for name, value in dict(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", LOCAL_WORLD_SIZE="1",
                            GROUP_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                            TORCHELASTIC_RUN_ID="test").items():
        clean_env.setenv(name, value)
    try:
        setup = setup_distributed(
            "pytorch", dict(dist_cfg=dict(backend="nccl", timeout=60)),
            trainer_kwargs=dict(accelerator="cpu"), sync_bn="torch",
            find_unused_parameters=True,
        )
        assert torch_dist.is_initialized() and torch_dist.get_backend() == "gloo"
        assert setup.distributed and setup.backend == "gloo"
        kwargs = setup.trainer_kwargs()
        assert (kwargs["accelerator"], kwargs["devices"], kwargs["num_nodes"]) == ("cpu", 1, 1)
        assert kwargs["sync_batchnorm"] is True
        assert isinstance(kwargs["strategy"], DDPStrategy)
        assert kwargs["strategy"]._ddp_kwargs["find_unused_parameters"] is True
        assert isinstance(kwargs["plugins"][0], TorchElasticEnvironment)
        assert os.environ["OMP_NUM_THREADS"] == "1"
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
