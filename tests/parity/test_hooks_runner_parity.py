"""Hooks through a real ``Runner.train()`` then ``test()``, under mmengine and mmlight.

Same seeded scenario in both libraries (the pattern of ``test_runner_parity.py``):

1. ``EMAHook``: the averaged weights after training, the validation metrics (computed with the
   averaged weights), the raw weights and the test metrics agree to 1e-6; the averaged-model
   classes agree with mmengine's over many updates.
2. ``EarlyStoppingHook``: training stops after the same epoch/iteration, with the same hook calls.
3. Several recording hooks at mixed priorities (names, ints, ties with built-ins) next to the
   default hooks: the sequences of (hook, mount point, epoch, iter, batch_idx, metric keys) and
   the hook order are identical, epoch- and iteration-based, with ``val_begin`` and
   ``val_interval`` > 1.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import pytest
import torch
from torch import nn

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
    """The classes a scenario needs, built on that library's base classes and registries."""
    lib = library(name)

    @record_every_mount_point
    class CallRecorderHook(lib.Hook):
        """Appends (label, mount point, epoch, iter, batch_idx, metric keys) to ``log``."""

        def __init__(self, label: str, log: list) -> None:
            self.label = label
            self.log = log

        def record(self, point: str, runner: Any, **kwargs: Any) -> None:
            metrics = kwargs.get("metrics")
            keys = tuple(sorted(metrics)) if metrics is not None else None
            self.log.append(
                (self.label, point, runner.epoch, runner.iter, kwargs.get("batch_idx"), keys)
            )

    model = toy_model_class(lib.BaseModel, "HookParityModel", middle="norm")
    lib.MODELS.register_module(name="HookParityModel", module=model, force=True)
    lib.HOOKS.register_module(name="CallRecorderHook", module=CallRecorderHook, force=True)
    return dict(
        Runner=lib.Runner,
        Recorder=CallRecorderHook,
        Metric=toy_metric_class(lib.BaseMetric, "HookParityAccuracy"),
        get_priority=lib.get_priority,
    )


def _config(tmp_path: Any, name: str, lib: dict, train_cfg: dict, custom_hooks: list) -> dict:
    iter_based = not train_cfg.get("by_epoch", True)
    return dict(
        model=dict(type="HookParityModel"),
        work_dir=str(tmp_path / name),
        **toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based),
        train_cfg=train_cfg,
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
        param_scheduler=[dict(type="LinearLR", start_factor=0.2, by_epoch=False, begin=0, end=4)],
        val_evaluator=[lib["Metric"]()],
        test_evaluator=[lib["Metric"]()],
        default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=3)),
        custom_hooks=custom_hooks,
        randomness=dict(seed=2024),
        experiment_name=f"hook_parity_{name}",
    )


def _assert_close_dicts(actual: dict, expected: dict, atol: float = 1e-6) -> None:
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(actual[key], value, atol=atol, rtol=0, msg=key)


# ----------------------------------------------------------------------------------- 1. EMA

EMA_CASES = {
    "ema_epoch": (
        dict(by_epoch=True, max_epochs=3),
        dict(type="EMAHook", momentum=0.2),
    ),
    "annealing_begin_epoch_buffers": (
        dict(by_epoch=True, max_epochs=3),
        dict(
            type="EMAHook",
            ema_type="MomentumAnnealingEMA",
            momentum=0.05,
            gamma=4,
            begin_epoch=2,
            update_buffers=True,
        ),
    ),
    "swa_iter_begin_iter_interval": (
        dict(by_epoch=False, max_iters=11, val_interval=4),
        dict(type="EMAHook", ema_type="StochasticWeightAverage", begin_iter=3, interval=2),
    ),
}


def _run_ema(tmp_path: Any, name: str, train_cfg: dict, ema_cfg: dict) -> dict[str, Any]:
    lib = _library(name)
    log: list = []
    val_metrics: list[dict] = []

    class MetricKeeper(lib["Recorder"]):  # type: ignore[misc,valid-type]
        priority = "LOWEST"

        def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
            val_metrics.append(dict(metrics))

    hooks = [dict(ema_cfg), MetricKeeper("metrics", log)]
    cfg = _config(tmp_path, name, lib, train_cfg, hooks)
    runner = lib["Runner"](**copy.copy(cfg))
    runner.train()
    ema_hook = next(h for h in runner.hooks if type(h).__name__ == "EMAHook")
    ema_state = weights(ema_hook.ema_model)
    raw = weights(bare_model(runner))
    test_metrics = runner.test()
    return dict(ema=ema_state, raw=raw, val=val_metrics, test=test_metrics)


@pytest.mark.parametrize("case", list(EMA_CASES))
def test_ema_hook_matches_mmengine(tmp_path: Any, case: str) -> None:
    train_cfg, ema_cfg = EMA_CASES[case]
    expected = _run_ema(tmp_path, "mmengine", train_cfg, ema_cfg)
    actual = _run_ema(tmp_path, "mmlight", train_cfg, ema_cfg)

    _assert_close_dicts(actual["ema"], expected["ema"])
    _assert_close_dicts(actual["raw"], expected["raw"])
    # The EMA and the raw weights differ, so swapping them for validation is observable.
    assert any(
        not torch.equal(expected["ema"][f"module.{k}"], v)
        for k, v in expected["raw"].items()
        if v.is_floating_point()
    )
    assert len(expected["val"]) >= 2
    assert actual["val"] == [pytest.approx(m, abs=1e-6) for m in expected["val"]]
    assert actual["test"] == pytest.approx(expected["test"], abs=1e-6)


AVERAGED = [
    ("ExponentialMovingAverage", dict(momentum=0.3)),
    ("ExponentialMovingAverage", dict(momentum=0.01, interval=3, update_buffers=True)),
    ("MomentumAnnealingEMA", dict(momentum=0.02, gamma=5)),
    ("MomentumAnnealingEMA", dict(momentum=0.02, gamma=50, interval=2, update_buffers=True)),
    ("StochasticWeightAverage", dict()),
    ("StochasticWeightAverage", dict(interval=4, update_buffers=True)),
]


@pytest.mark.parametrize(("type_name", "kwargs"), AVERAGED)
def test_averaged_models_match_mmengine_over_many_updates(type_name: str, kwargs: dict) -> None:
    from mmengine.registry import MODELS as ENGINE_MODELS

    from mmlight.registry import MODELS

    torch.manual_seed(0)
    source = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Linear(7, 2))
    ours = MODELS.build(dict(type=type_name, model=source, **kwargs))
    theirs = ENGINE_MODELS.build(dict(type=type_name, model=source, **kwargs))
    generator = torch.Generator().manual_seed(1)
    for _ in range(60):
        with torch.no_grad():
            for param in source.parameters():
                param.add_(torch.randn(param.shape, generator=generator))
        source.train()
        source(torch.randn(6, 5, generator=generator))  # moves the BatchNorm statistics
        ours.update_parameters(source)
        theirs.update_parameters(source)
    _assert_close_dicts(weights(ours), weights(theirs))
    assert int(ours.steps) == 60


# ---------------------------------------------------------------------------- 2. early stop

EARLY_STOP_CASES = {
    "epoch_based": dict(by_epoch=True, max_epochs=8),
    "iter_based": dict(by_epoch=False, max_iters=40, val_interval=5),
}


def _run_early_stop(tmp_path: Any, name: str, train_cfg: dict) -> dict[str, Any]:
    lib = _library(name)
    log: list = []
    hooks = [
        dict(
            type="EarlyStoppingHook",
            monitor="toy/accuracy",
            rule="greater",
            min_delta=0.5,
            patience=2,
        ),
        lib["Recorder"]("recorder", log),
    ]
    runner = lib["Runner"](**copy.copy(_config(tmp_path, name, lib, train_cfg, hooks)))
    runner.train()
    return dict(log=log, epoch=runner.epoch, iter=runner.iter, stop=runner.train_loop.stop_training)


@pytest.mark.parametrize("case", list(EARLY_STOP_CASES))
def test_early_stopping_matches_mmengine(tmp_path: Any, case: str) -> None:
    train_cfg = EARLY_STOP_CASES[case]
    expected = _run_early_stop(tmp_path, "mmengine", train_cfg)
    actual = _run_early_stop(tmp_path, "mmlight", train_cfg)

    assert expected["stop"] is True  # the scenario does stop early
    if train_cfg["by_epoch"]:
        assert expected["epoch"] < train_cfg["max_epochs"]
    else:
        assert expected["iter"] < train_cfg["max_iters"]
    assert (actual["epoch"], actual["iter"], actual["stop"]) == (
        expected["epoch"],
        expected["iter"],
        expected["stop"],
    )
    assert actual["log"] == expected["log"]


# ----------------------------------------------------------------------- 3. hook call order

ORDER_CASES = {
    "epoch_based": dict(by_epoch=True, max_epochs=5, val_begin=2, val_interval=2),
    "iter_based": dict(by_epoch=False, max_iters=14, val_begin=4, val_interval=3),
}


def _run_order(tmp_path: Any, name: str, train_cfg: dict) -> dict[str, Any]:
    lib = _library(name)
    log: list = []
    recorder = lib["Recorder"]

    class Highest(recorder):  # type: ignore[misc,valid-type]
        priority = "HIGHEST"

    class Lowest(recorder):  # type: ignore[misc,valid-type]
        priority = "LOWEST"

    hooks = [
        Lowest("lowest", log),  # registered first, runs last
        dict(type="CallRecorderHook", label="int_55", log=log, priority=55),
        dict(type="CallRecorderHook", label="tie_very_high", log=log, priority="VERY_HIGH"),
        recorder("normal_default", log),  # NORMAL: after the built-in NORMAL hooks
        dict(type="CallRecorderHook", label="lower_case_low", log=log, priority="low"),
        Highest("highest", log),
        dict(type="CallRecorderHook", label="int_50_tie", log=log, priority=50),
        dict(type="CallRecorderHook", label="int_10_tie", log=log, priority=10),
    ]
    runner = lib["Runner"](**copy.copy(_config(tmp_path, name, lib, train_cfg, hooks)))
    runner.train()
    train_order = [
        (type(h).__name__, getattr(h, "label", None), lib["get_priority"](h.priority))
        for h in runner.hooks
    ]
    log.append(("---", "test", None, None, None, None))
    test_metrics = runner.test()
    return dict(log=log, order=train_order, test=test_metrics)


@pytest.mark.parametrize("case", list(ORDER_CASES))
def test_hook_call_sequence_matches_mmengine(tmp_path: Any, case: str) -> None:
    train_cfg = ORDER_CASES[case]
    expected = _run_order(tmp_path, "mmengine", train_cfg)
    actual = _run_order(tmp_path, "mmlight", train_cfg)

    assert actual["order"] == expected["order"]
    labels = [entry[0] for entry in expected["log"][:8]]
    assert labels[0] == "highest" and labels[-1] == "lowest"
    validations = [e for e in expected["log"] if e[0] == "highest" and e[1] == "before_val"]
    assert len(validations) == (3 if train_cfg["by_epoch"] else 4)
    assert actual["log"] == expected["log"]
    assert actual["test"] == pytest.approx(expected["test"], abs=1e-6)
