"""mmengine's strategy dicts (FlexibleRunner's ``strategy=dict(type=...)``) -> Lightning.

The translation is checked without launching: the Lightning strategy object (or, for
DeepSpeed, which is not installed here, the class and arguments it would get).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from lightning.pytorch.strategies import DDPStrategy
from torch import nn

from mmlight.lightning.dist_strategy import MODEL_WRAPPER_TABLE, strategy_from_config
from mmlight.lightning.fsdp import MMFSDPStrategy
from mmlight.lightning.mm_strategies import (
    STRATEGY_TABLE,
    StrategyConfigError,
    translate_strategy,
)
from mmlight.lightning.separate_ddp import MMSeparateDDPStrategy
from mmlight.lightning.trainer_factory import TRAINER_MAPPING
from mmlight.registry import FUNCTIONS, STRATEGIES

_NO_DEEPSPEED = importlib.util.find_spec("deepspeed") is None


def test_every_mmengine_strategy_and_model_wrapper_is_in_the_one_table() -> None:
    mm_strategy = pytest.importorskip("mmengine._strategy")
    import mmengine.model  # noqa: F401 - registers mmengine's wrappers
    from mmengine.registry import MODEL_WRAPPERS as MM_WRAPPERS

    strategies = set(mm_strategy.__all__) - {"BaseStrategy"}
    assert set(STRATEGY_TABLE) == strategies
    # What mmengine registers (its wrappers and torch's DP/DDP; a downstream package's, which
    # another test may register in this process, are the bridge's), plus torch's
    # FullyShardedDataParallel, which mmengine does not register
    own = {name for name, cls in MM_WRAPPERS.module_dict.items()
           if cls.__module__.split(".")[0] in ("mmengine", "torch")}  # fmt: skip
    assert set(MODEL_WRAPPER_TABLE) - {"FullyShardedDataParallel"} == own
    for name in strategies:
        assert TRAINER_MAPPING[f"strategy=dict(type={name!r})"] == STRATEGY_TABLE[name].lightning
        assert STRATEGIES.get(name) is not None
    for name in own:
        assert f"model_wrapper_cfg=dict(type={name!r})" in TRAINER_MAPPING


def test_ddp_strategy_defaults_are_mmengines() -> None:
    strategy, extra = strategy_from_config(dict(type="DDPStrategy"), process_group_backend="gloo")
    assert type(strategy) is DDPStrategy
    assert strategy._ddp_kwargs == dict(broadcast_buffers=False)
    assert strategy._process_group_backend == "gloo" and extra == {}


def test_ddp_strategy_model_wrapper_picks_the_strategy() -> None:
    separate, extra = strategy_from_config(
        dict(type="DDPStrategy", sync_bn="torch",
             model_wrapper=dict(type="MMSeparateDistributedDataParallel",
                                find_unused_parameters=True)))
    assert type(separate) is MMSeparateDDPStrategy
    assert separate._ddp_kwargs == dict(find_unused_parameters=True)
    assert extra == dict(sync_batchnorm=True)
    # keys mmengine does not know are the Lightning class's own arguments
    ddp, _ = strategy_from_config(dict(type="DDPStrategy", static_graph=True, start_method="popen"))
    assert ddp._ddp_kwargs == dict(broadcast_buffers=False, static_graph=True)


def test_fsdp_strategy_arguments_reach_the_wrapper() -> None:
    @FUNCTIONS.register_module(name="mmlight_test_check_fn", force=True)
    def is_linear(module: nn.Module, kind: type = nn.Linear) -> bool:
        return isinstance(module, kind)

    try:
        strategy, extra = strategy_from_config(
            dict(type="FSDPStrategy", state_dict_cfg="full",
                 model_wrapper=dict(
                     auto_wrap_policy=dict(
                         type="torch.distributed.fsdp.wrap.size_based_auto_wrap_policy",
                         min_num_params=1e7),
                     use_orig_params=True,
                     mixed_precision=dict(param_dtype="bfloat16")),
                 activation_checkpointing=dict(check_fn=dict(type="mmlight_test_check_fn",
                                                             kind=nn.Conv2d))),
            process_group_backend="gloo",
        )
    finally:
        FUNCTIONS._module_dict.pop("mmlight_test_check_fn")
    assert type(strategy) is MMFSDPStrategy and extra == {}
    assert strategy.wrapper_cfg == dict(
        auto_wrap_policy=dict(type="torch.distributed.fsdp.wrap.size_based_auto_wrap_policy",
                              min_num_params=1e7),
        use_orig_params=True, mixed_precision=dict(param_dtype="bfloat16"))
    assert strategy.process_group_backend == "gloo"
    check_fn = strategy._activation_checkpointing_kwargs["check_fn"]
    assert check_fn(nn.Conv2d(1, 1, 1)) and not check_fn(nn.Linear(1, 1))


def test_fsdp_strategy_refusals() -> None:
    with pytest.raises(StrategyConfigError, match=r"skip_init_weights=True .* not supported"):
        translate_strategy(dict(type="FSDPStrategy", skip_init_weights=True))
    with pytest.raises(StrategyConfigError, match="skip_init_weights must be a boolean"):
        translate_strategy(dict(type="FSDPStrategy", skip_init_weights=1))
    with pytest.raises(StrategyConfigError,
                       match="wraps the model in 'MMFullyShardedDataParallel'"):
        translate_strategy(dict(type="FSDPStrategy",
                                model_wrapper=dict(type="MMDistributedDataParallel")))
    with pytest.raises(StrategyConfigError, match="activation_checkpointing needs a check_fn"):
        translate_strategy(dict(type="FSDPStrategy", activation_checkpointing=dict()))
    with pytest.raises(ValueError, match="'nope_fn' is not registered in FUNCTIONS"):
        translate_strategy(dict(type="FSDPStrategy",
                                activation_checkpointing=dict(check_fn="nope_fn")))


def test_deepspeed_config_is_assembled_as_mmengine_does(tmp_path: Path) -> None:
    base = tmp_path / "ds.json"
    base.write_text(json.dumps(dict(train_micro_batch_size_per_gpu=2, fp16=dict(enabled=False),
                                    zero_allow_untested_optimizer=True)))
    call = translate_strategy(
        dict(type="DeepSpeedStrategy", config=str(base),
             fp16=dict(enabled=True, loss_scale=0, initial_scale_power=15),
             inputs_to_half=["inputs"], gradient_clipping=0.1,
             zero_optimization=dict(stage=2, overlap_comm=True),
             exclude_frozen_parameters=True),
        process_group_backend="nccl",
    )
    assert call.target == "mmlight.lightning.deepspeed.MMDeepSpeedStrategy"
    assert call.kwargs == dict(
        config=dict(train_micro_batch_size_per_gpu=2, zero_allow_untested_optimizer=True,
                    fp16=dict(enabled=True, loss_scale=0, initial_scale_power=15),
                    gradient_clipping=0.1, zero_optimization=dict(stage=2, overlap_comm=True),
                    gradient_accumulation_steps=1, steps_per_print=10000000000000),
        process_group_backend="nccl", inputs_to_half=["inputs"], exclude_frozen_parameters=True,
    )
    assert call.trainer_kwargs == {}
    # the same config as mmengine's DeepSpeedStrategy builds (its constructor needs deepspeed)
    defaults = translate_strategy(dict(type="DeepSpeedStrategy", gradient_accumulation_steps=4))
    assert defaults.kwargs["config"] == dict(gradient_accumulation_steps=4,
                                             steps_per_print=10000000000000)
    with pytest.raises(StrategyConfigError, match="config must be a DeepSpeed config dict"):
        translate_strategy(dict(type="DeepSpeedStrategy", config=3))


@pytest.mark.skipif(not _NO_DEEPSPEED, reason="deepspeed is installed here")
def test_deepspeed_strategy_without_deepspeed_gives_the_install_hint() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"strategy=dict\(type='DeepSpeedStrategy'\) "
                       r"needs DeepSpeed, which is not installed: pip install deepspeed"):
        strategy_from_config(dict(type="DeepSpeedStrategy", zero_optimization=dict(stage=2)))
    with pytest.raises(ModuleNotFoundError, match="DeepSpeed is not installed"):
        STRATEGIES.build(dict(type="DeepSpeedStrategy"))


def test_single_device_and_colossalai() -> None:
    assert strategy_from_config(dict(type="SingleDeviceStrategy")) == ("single_device", {})
    with pytest.raises(StrategyConfigError, match="takes no arguments in mmlight, got device"):
        strategy_from_config(dict(type="SingleDeviceStrategy", device="cuda"))
    with pytest.raises(StrategyConfigError, match=r"'ColossalAIStrategy'\) is not supported on "
                       "Lightning: Lightning has no ColossalAI strategy"):
        strategy_from_config(dict(type="ColossalAIStrategy", mixed_precision="fp16"))


def test_bad_strategy_dicts_say_what_is_valid() -> None:
    with pytest.raises(StrategyConfigError, match="Did you mean 'DeepSpeedStrategy'"):
        translate_strategy(dict(type="DeepspeedStrategy"))
    with pytest.raises(StrategyConfigError, match=r"strategy.work_dir is a Runner setting"):
        translate_strategy(dict(type="DDPStrategy", work_dir="here"))
    with pytest.raises(StrategyConfigError, match=r"strategy must be a Lightning strategy name"):
        strategy_from_config(["DDPStrategy"])


def test_strategies_registry_builds_lightning_strategies() -> None:
    fsdp = STRATEGIES.build(dict(type="FSDPStrategy", model_wrapper=dict(use_orig_params=False)))
    assert type(fsdp) is MMFSDPStrategy and fsdp.wrapper_cfg == dict(use_orig_params=False)
    assert STRATEGIES.build(dict(type="SingleDeviceStrategy")) == "single_device"
    separate = STRATEGIES.build(dict(
        type="DDPStrategy", model_wrapper=dict(type="MMSeparateDistributedDataParallel")))
    assert type(separate) is MMSeparateDDPStrategy
    with pytest.raises(StrategyConfigError,
                       match=r"sync_batchnorm is a lightning\.Trainer argument"):
        STRATEGIES.build(dict(type="DDPStrategy", sync_bn="torch"))


def test_runner_config_strategy_key_selects_the_lightning_strategy(tmp_path: Path) -> None:
    """A top-level ``strategy=dict(type='FSDPStrategy', ...)`` reaches the Runner's Trainer."""
    from mmlight.model import BaseModel
    from mmlight.runner import Runner

    class Tiny(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            return dict(loss=self.linear(inputs).mean())

    from mmlight.config import Config

    runner = Runner(
        model=Tiny(), work_dir=str(tmp_path),
        cfg=Config(dict(strategy=dict(type="FSDPStrategy",
                                      model_wrapper=dict(use_orig_params=True)))),
    )
    kwargs = runner._dist.trainer_kwargs()
    assert type(kwargs["strategy"]) is MMFSDPStrategy
    assert kwargs["strategy"].wrapper_cfg == dict(use_orig_params=True)
    # a new strategy object for every Trainer (one per stage)
    assert runner._dist.trainer_kwargs()["strategy"] is not kwargs["strategy"]
    if _NO_DEEPSPEED:  # refused when the Runner is built, before anything else is
        with pytest.raises(ModuleNotFoundError, match="pip install deepspeed"):
            Runner(model=Tiny(), work_dir=str(tmp_path / "ds"),
                   cfg=Config(dict(strategy=dict(type="DeepSpeedStrategy"))))
