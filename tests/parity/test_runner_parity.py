"""The same seeded training run under mmengine's Runner and mmlight's Runner on Lightning.

Per-iteration losses and learning rates, the hook call sequence (with ``runner.epoch`` and
``runner.iter`` as each hook sees them), validation and test metrics and the final weights
must agree to 1e-5.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

from tests.parity.conftest import (
    ToyDataset,
    bare_model,
    library,
    record_every_mount_point,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
    weights,
)

mmengine = pytest.importorskip("mmengine")


def _library(name: str) -> dict[str, Any]:
    """The classes a test needs, defined once per library from that library's base classes."""
    lib = library(name)

    @record_every_mount_point
    class Recorder(lib.Hook):
        priority = "LOWEST"

        def __init__(self) -> None:
            self.calls: list[tuple[str, int, int]] = []
            self.losses: list[float] = []
            self.lrs: list[float] = []
            self.metrics: list[dict] = []

        def record(self, point: str, runner: Any, **kwargs: Any) -> None:
            self.calls.append((point, runner.epoch, runner.iter))
            if point == "after_train_iter":
                self.losses.append(float(kwargs["outputs"]["loss"]))
                self.lrs.append(runner.optim_wrapper.get_lr()["lr"][0])
            if point in ("after_val_epoch", "after_test_epoch"):
                self.metrics.append(dict(kwargs["metrics"]))

    model = toy_model_class(lib.BaseModel, "ParityToyModel", middle="dropout")
    lib.MODELS.register_module(name="ParityToyModel", module=model, force=True)
    return dict(
        Runner=lib.Runner,
        Recorder=Recorder,
        Metric=toy_metric_class(lib.BaseMetric, "ParityAccuracy"),
    )


# Weights drawn in init_weights(), i.e. after the train loop is built: MMEngine's
# IterBasedTrainLoop creates its dataloader iterator (a draw from torch's generator) when it is
# built, so the initial weights depend on doing the same.
INIT_AFTER_BUILD = dict(type="Normal", layer="Linear", std=0.3, bias=0.1)


def _config(
    tmp_path: Any, name: str, lib: dict, iter_based: bool, init_cfg: dict | None = None
) -> dict:
    train_cfg = (
        dict(by_epoch=False, max_iters=12, val_interval=5, val_begin=1)
        if iter_based
        else dict(by_epoch=True, max_epochs=3, val_interval=1, val_begin=2)
    )
    return dict(
        model=dict(type="ParityToyModel", init_cfg=init_cfg),
        work_dir=str(tmp_path / name),
        **toy_dataloaders(ToyDataset, iter_based),
        train_cfg=train_cfg,
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.2, by_epoch=False, begin=0, end=4),
            dict(type="MultiStepLR", milestones=[8] if iter_based else [2], by_epoch=iter_based
                 is False, gamma=0.5),
        ],
        val_evaluator=[lib["Metric"]()],
        test_evaluator=[lib["Metric"]()],
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[lib["Recorder"]()],
        randomness=dict(seed=2024),
        experiment_name=f"parity_{name}",
    )


def _run(
    tmp_path: Any, name: str, iter_based: bool, init_cfg: dict | None = None
) -> dict[str, Any]:
    lib = _library(name)
    cfg = _config(tmp_path, name, lib, iter_based, init_cfg)
    recorder = cfg["custom_hooks"][0]
    runner = lib["Runner"](**copy.copy(cfg))
    runner.train()
    test_metrics = runner.test()
    return dict(
        calls=recorder.calls,
        losses=recorder.losses,
        lrs=recorder.lrs,
        metrics=recorder.metrics,
        test=test_metrics,
        weights=weights(bare_model(runner)),
    )


@pytest.mark.parametrize("init_cfg", [None, INIT_AFTER_BUILD], ids=["", "init_cfg"])
@pytest.mark.parametrize("iter_based", [False, True], ids=["epoch_based", "iter_based"])
def test_training_matches_mmengine(tmp_path: Any, iter_based: bool, init_cfg: dict | None) -> None:
    expected = _run(tmp_path, "mmengine", iter_based, init_cfg)
    actual = _run(tmp_path, "mmlight", iter_based, init_cfg)

    assert actual["calls"] == expected["calls"]
    assert actual["lrs"] == pytest.approx(expected["lrs"], abs=1e-5)
    assert actual["losses"] == pytest.approx(expected["losses"], abs=1e-5)
    assert len(actual["metrics"]) == len(expected["metrics"])
    for got, want in zip(actual["metrics"], expected["metrics"]):
        assert got == pytest.approx(want, abs=1e-5)
    assert actual["test"] == pytest.approx(expected["test"], abs=1e-5)
    assert actual["weights"].keys() == expected["weights"].keys()
    for key, value in expected["weights"].items():
        torch.testing.assert_close(actual["weights"][key], value, atol=1e-5, rtol=0)
