"""Schedulers through the bridge: mmengine ``_ParamScheduler`` subclasses (a downstream package's
scheduler under its scope, mmengine's own named ``'mmengine.X'``, objects) are built on
mmlight's optimizer wrapper and stepped by mmlight's Runner at mmengine's points: the learning
rate of every iteration equals mmengine's."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import mmengine.evaluator as engine_evaluator
import mmengine.hooks as engine_hooks
import mmengine.optim.scheduler as engine_schedulers
import mmengine.registry as engine_registry
import pytest
import torch

from mmlight import bridge
from mmlight.optim.scheduler.scheduler_bases import is_param_scheduler
from tests.bridge.conftest import MakeDownstream
from tests.parity.conftest import (
    ToyDataset,
    library,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
)

pytestmark = pytest.mark.interop

_names = itertools.count()


class LrRecorder(engine_hooks.Hook):
    """The learning rate and momentum before every training iteration (both runners)."""

    def __init__(self, log: list) -> None:
        self.log = log

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        group = runner.optim_wrapper.optimizer.param_groups[0]
        self.log.append((runner.iter, group["lr"], group["momentum"]))


def _train(
    lib_name: str,
    tmp_path: Path,
    schedulers: Callable[[], Any],
    max_epochs: int = 4,
    **runner_args: Any,
) -> list:
    lib = library(lib_name)
    model = toy_model_class(lib.BaseModel, "BridgeSchedulerModel")
    lib.MODELS.register_module(name="BridgeSchedulerModel", module=model, force=True)
    log: list = []
    dataloader = toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based=False)
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"schedulers_{lib_name}_{next(_names)}",
        model=dict(type="BridgeSchedulerModel"),
        train_dataloader=dataloader["train_dataloader"],
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
        param_scheduler=schedulers(),
        default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook", interval=1)),
        custom_hooks=[LrRecorder(log)],
        randomness=dict(seed=7),
        **runner_args,
    )
    runner.train()
    return log


def test_mmengine_schedulers_step_as_under_mmengines_runner(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    schedulers = _downstream_schedulers(make_downstream())
    expected = _train("mmengine", tmp_path, schedulers)
    actual = _train("mmlight", tmp_path, schedulers)

    assert actual == expected
    assert len(actual) == 20  # 4 epochs of 5 iterations
    assert len({lr for _, lr, _ in actual}) > 10 and {m for *_, m in actual} == {0.9, 0.45, 0.225}


def test_mmengine_schedulers_resume_where_they_stopped(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    schedulers = _downstream_schedulers(make_downstream())
    whole = _train("mmlight", tmp_path / "whole", schedulers)
    first = _train("mmlight", tmp_path / "parts", schedulers, max_epochs=2)
    rest = _train(
        "mmlight", tmp_path / "parts", schedulers,
        resume=True, load_from=str(tmp_path / "parts" / "mmlight" / "epoch_2.pth"),
    )

    assert first + rest == whole


def _downstream_schedulers(scope: str) -> Callable[[], list]:
    def schedulers() -> list:
        return [
            # the downstream package's LinearLR subclass, epochs converted to iterations
            dict(type=f"{scope}.TinyWarmupLR", start_factor=0.1, by_epoch=True, begin=0,
                 end=2, convert_to_iter_based=True),
            dict(type="mmengine.CosineAnnealingLR", T_max=2, by_epoch=True, begin=2, end=4),
            # (an explicit end: a default one would be the first part's max_iters on resume,
            # restored from the checkpoint under mmengine's Runner too)
            dict(type="mmengine.MultiStepMomentum", milestones=[7, 13], gamma=0.5,
                 by_epoch=False, begin=0, end=20),
        ]

    return schedulers


def test_an_mmengine_scheduler_object_is_taken_as_it_is_only_with_the_bridge(
    tmp_path: Path,
) -> None:
    lib = library("mmlight")
    runner = lib.Runner(work_dir=str(tmp_path), model=torch.nn.Linear(1, 1))
    optimizer = torch.optim.SGD(runner.model.parameters(), lr=0.1)
    scheduler = engine_schedulers.StepLR(optimizer, step_size=2)

    assert is_param_scheduler(scheduler)
    assert runner._build_param_scheduler([scheduler], None, "param_scheduler") == [scheduler]
    bridge.deactivate()
    try:
        assert not is_param_scheduler(scheduler)
        with pytest.raises(TypeError, match=r"param_scheduler\[0\] must be a scheduler config"):
            runner._build_param_scheduler([scheduler], None, "param_scheduler")
    finally:
        bridge.activate()


def test_an_mmengine_plateau_scheduler_reacts_to_an_mmengine_metric_as_under_mmengine(
    tmp_path: Path,
) -> None:
    name = f"PlateauToyAccuracy{next(_names)}"
    engine_registry.METRICS.register_module(
        name=name, module=toy_metric_class(engine_evaluator.BaseMetric, name)
    )
    try:
        runs = {
            lib_name: _train(
                lib_name, tmp_path, lambda: [
                    dict(type="mmengine.ReduceOnPlateauLR", monitor="toy/accuracy",
                         rule="greater", patience=0, factor=0.5, by_epoch=True),
                ],
                max_epochs=6,
                val_dataloader=toy_dataloaders(
                    partial(ToyDataset, noise=1.5), iter_based=False
                )["val_dataloader"],
                val_cfg=dict(),
                val_evaluator=dict(type=name),
            )
            for lib_name in ("mmengine", "mmlight")
        }
    finally:
        engine_registry.METRICS._module_dict.pop(name, None)

    assert runs["mmlight"] == runs["mmengine"]
    assert len({lr for _, lr, _ in runs["mmlight"]}) > 2  # the plateau did lower it
