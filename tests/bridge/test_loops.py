"""Loops from mmengine's ``LOOPS`` through the bridge: a downstream ``IterBasedTrainLoop``
subclass (own ``__init__`` argument, a mixin, a ``run_iter`` that takes an extra optimizer step
and then calls ``super().run_iter``) runs on Lightning as an mmlight loop; its losses and
learning rates per iteration equal those under mmengine's Runner."""

from __future__ import annotations

import itertools
import sys
from functools import partial
from pathlib import Path
from typing import Any

import mmengine.evaluator as engine_evaluator
import mmengine.registry as engine_registry
import mmengine.runner as engine_runner
import pytest

from mmlight.bridge.loops import adopt_loop_class
from mmlight.runner import loops
from tests.bridge.conftest import MakeDownstream
from tests.bridge.test_evaluator import MetricsRecorder
from tests.bridge.test_optim_wrapper import StepRecorder
from tests.parity.conftest import (
    ToyDataset,
    library,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
)

pytestmark = pytest.mark.interop

_names = itertools.count()


def _train(lib_name: str, tmp_path: Path, scope: str) -> tuple[list, Any]:
    lib = library(lib_name)
    model_name = f"BridgeLoopModel{next(_names)}"
    lib.MODELS.register_module(name=model_name, module=toy_model_class(lib.BaseModel, model_name))
    log: list = []
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"loop_{lib_name}_{next(_names)}",
        model=dict(type=model_name),
        train_dataloader=toy_dataloaders(
            partial(ToyDataset, noise=1.5), iter_based=True
        )["train_dataloader"],
        train_cfg=dict(type="ExtraStepLoop", max_iters=9, extra_weight=0.5),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="LinearLR", start_factor=0.2, by_epoch=False, end=9)],
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[StepRecorder(log)],
        default_scope=scope,
        randomness=dict(seed=5),
    )
    runner.train()
    return log, runner


def test_a_downstream_loop_trains_as_under_mmengine(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    scope = make_downstream()
    expected, _ = _train("mmengine", tmp_path, scope)
    actual, runner = _train("mmlight", tmp_path, scope)

    assert actual == expected
    assert [it for it, *_ in actual] == list(range(9))  # (after_train_iter: before the count)
    assert len({lrs[""][0] for *_, lrs in actual}) == 9
    loop = runner.train_loop
    downstream = sys.modules[f"{scope}.loops"].ExtraStepLoop
    assert isinstance(loop, loops.IterBasedTrainLoop) and isinstance(loop, downstream)
    assert loop.extra_steps == 9 and loop.extra_weight == 0.5  # its own code ran
    assert isinstance(loop, engine_runner.IterBasedTrainLoop)


def test_mmengines_own_loops_are_mmlights() -> None:
    assert adopt_loop_class(engine_runner.IterBasedTrainLoop) is loops.IterBasedTrainLoop
    assert adopt_loop_class(engine_runner.ValLoop) is loops.ValLoop


def test_a_loop_driving_its_own_iteration_is_refused() -> None:
    class OwnRun(engine_runner.EpochBasedTrainLoop):
        def run(self) -> None:
            pass

    with pytest.raises(TypeError, match=r"OwnRun overrides run\(\): mmlight runs the iteration"):
        adopt_loop_class(OwnRun)


def test_a_loop_adopted_twice_is_one_class() -> None:
    class Twice(engine_runner.ValLoop):
        def run_iter(self, idx: int, data_batch: Any) -> None:
            super().run_iter(idx, data_batch)

    adopted = adopt_loop_class(Twice)
    assert adopt_loop_class(Twice) is adopted and adopt_loop_class(adopted) is adopted
    assert adopted.__mro__[1] is loops.ValLoop


def _validate(lib_name: str, tmp_path: Path, scope: str, metric: str) -> tuple[list, Any]:
    lib = library(lib_name)
    model_name = f"BridgeValLoopModel{next(_names)}"
    lib.MODELS.register_module(name=model_name, module=toy_model_class(lib.BaseModel, model_name))
    log: list = []
    loaders = toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based=False)
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"val_loop_{lib_name}_{next(_names)}",
        model=dict(type=model_name),
        train_dataloader=loaders["train_dataloader"],
        val_dataloader=loaders["val_dataloader"],
        train_cfg=dict(by_epoch=True, max_epochs=2),
        val_cfg=dict(type="CountingValLoop"),
        val_evaluator=dict(type=metric),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[MetricsRecorder(log)],
        default_scope=scope,
        randomness=dict(seed=5),
    )
    runner.train()
    return log, runner


def test_a_downstream_val_loop_validates_as_under_mmengine(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    scope = make_downstream()
    metric = f"LoopToyAccuracy{next(_names)}"
    engine_registry.METRICS.register_module(
        name=metric, module=toy_metric_class(engine_evaluator.BaseMetric, metric)
    )
    try:
        expected, _ = _validate("mmengine", tmp_path, scope, metric)
        actual, runner = _validate("mmlight", tmp_path, scope, metric)
    finally:
        engine_registry.METRICS._module_dict.pop(metric, None)

    assert actual == expected and [entry[:2] for entry in actual] == [("val", 1), ("val", 2)]
    assert runner.val_loop.seen == 10  # 2 validations of 5 batches, through its run_iter
