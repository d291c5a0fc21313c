"""Runner argument errors keep mmengine's wording and exception types (downstream tests match).

Each message is mmlight's explanation with mmengine's phrase inside it; where mmengine asserts,
the error is also an ``AssertionError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from torch import nn

from mmlight.evaluator import BaseMetric
from mmlight.logging import MessageHub
from mmlight.model import BaseModel
from mmlight.runner import Runner


class _Model(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        return self.linear(inputs)


class _Metric(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.append(1)

    def compute_metrics(self, results: list) -> dict:
        return dict(n=len(results))


def _runner(tmp_path: Path) -> Runner:
    return Runner(model=_Model(), work_dir=str(tmp_path))


def test_build_errors_name_what_mmengine_names(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    cases: list[tuple[Any, str]] = [
        (lambda: runner.build_model("x"), "model should be a nn.Module object or dict"),
        (lambda: runner.build_optim_wrapper("x"), "optimizer wrapper should be an OptimWrapper"),
        (lambda: runner.build_message_hub("x"), "message_hub should be dict or None"),
        (lambda: runner.build_visualizer("x"), "visualizer should be Visualizer object"),
        (lambda: runner.build_log_processor("x"), "log processor should be a LogProcessor"),
        (lambda: runner.build_evaluator("x"), "evaluator should be one of dict, list of dict"),
        (lambda: runner.build_evaluator(_Metric()), "evaluator should be one of dict, list"),
        (lambda: runner.build_train_loop("x"), "train_loop should be a Loop object or dict"),
        (lambda: runner.register_hook([]), "hook should be an instance of Hook or dict"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message):
            call()


def test_build_message_hub_takes_mmengines_dict(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    hub = runner.build_message_hub(dict(name="mmlight_test_named_hub"))
    assert isinstance(hub, MessageHub) and hub.instance_name == "mmlight_test_named_hub"
    assert runner.build_message_hub({}).instance_name == runner.experiment_name


def test_stage_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="should be either all None or not None"):
        Runner(model=nn.Linear(1, 1), work_dir=str(tmp_path), train_cfg=dict(max_epochs=1))
    runner = _runner(tmp_path)
    for stage in ("train", "val", "test"):
        with pytest.raises(RuntimeError, match=f"`self._{stage}_loop` should not be None"):
            getattr(runner, stage)()


def test_scale_lr_without_base_batch_size_asserts(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    with pytest.raises(AssertionError, match="Lack of `base_batch_size` in `auto_scale_lr`"):
        runner.scale_lr(None, dict(enable=True))
    with pytest.raises(KeyError):
        runner.scale_lr(None, dict(enable=True))


def test_param_schedulers_need_a_built_optim_wrapper(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    runner.optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.01))
    with pytest.raises(AssertionError, match="`build_optimizer` should be called before"):
        runner.build_param_scheduler(dict(type="MultiStepLR", milestones=[1]))


def test_param_scheduler_without_optim_wrapper_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="param_scheduler should be None when optim_wrapper"):
        Runner(model=_Model(), work_dir=str(tmp_path), param_scheduler=dict(type="StepLR"))


def test_train_cfg_with_type_and_by_epoch_is_refused(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    with pytest.raises(RuntimeError, match="Only one of `type` or `by_epoch` can exist"):
        runner.build_train_loop(dict(type="EpochBasedTrainLoop", by_epoch=True, max_epochs=3))


def test_dict_mixing_optim_wrappers_and_configs_is_refused(tmp_path: Path) -> None:
    import torch

    from mmlight.optim import OptimWrapper

    runner = _runner(tmp_path)
    built = OptimWrapper(torch.optim.SGD(runner.model.parameters(), lr=0.1))
    mixed = dict(key1=built, key2=dict(type="OptimWrapper", optimizer=dict(type="SGD", lr=0.1)))
    with pytest.raises(ValueError, match="each item mush be an optimizer object when"):
        runner.build_optim_wrapper(mixed)


def test_param_scheduler_argument_shapes(tmp_path: Path) -> None:
    def build(param_scheduler: Any) -> None:
        Runner(
            model=_Model(), work_dir=str(tmp_path), train_dataloader=dict(), train_cfg=dict(),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            param_scheduler=param_scheduler,
        )

    with pytest.raises(AssertionError, match="Each value of `param_scheduler` should be a dict"):
        build(dict(linear1="error_type"))
    with pytest.raises(TypeError, match="`param_scheduler` should be a `_ParamScheduler`"):
        build("error_type")
    with pytest.raises(AssertionError, match="Each parameter scheduler should contain the key"):
        build([dict(milestones=[1])])


def test_custom_mount_point_reaches_only_hooks_that_have_it(tmp_path: Path) -> None:
    from mmlight.hooks import Hook, IterTimerHook

    calls: list[str] = []

    class Warmup(Hook):
        def before_warmup_iter(self, runner: Any) -> None:
            calls.append("warmup")

    runner = _runner(tmp_path)
    runner.register_hook(IterTimerHook())  # overrides _before_iter, has no before_warmup_iter
    runner.register_hook(Warmup())
    runner.call_hook("before_warmup_iter")
    assert calls == ["warmup"]


def test_sync_batchnorm_is_reverted_in_a_single_process_run(tmp_path: Path) -> None:
    class WithSyncBN(_Model):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.SyncBatchNorm(4)

    runner = Runner(model=WithSyncBN(), work_dir=str(tmp_path))
    assert not isinstance(runner.model.bn, nn.SyncBatchNorm)
    assert isinstance(runner.model.bn, nn.modules.batchnorm._BatchNorm)
