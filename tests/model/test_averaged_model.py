"""Averaged models: the update rules, interval, buffers, state-dict layout and argument errors."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from mmlight.model import (
    BaseAveragedModel,
    ExponentialMovingAverage,
    MomentumAnnealingEMA,
    StochasticWeightAverage,
)
from mmlight.registry import MODELS


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


def _bump(model: nn.Module, value: float) -> None:
    """Set every parameter to ``value`` and move the BatchNorm statistics."""
    with torch.no_grad():
        for param in model.parameters():
            param.fill_(value)
    model.train()
    model(torch.full((5, 3), value) + torch.arange(5.0).unsqueeze(1))


def test_registered_in_models() -> None:
    model = _net()
    for name in ("ExponentialMovingAverage", "MomentumAnnealingEMA", "StochasticWeightAverage"):
        built = MODELS.build(dict(type=name, model=model))
        assert type(built).__name__ == name


def test_copy_is_frozen_and_separate() -> None:
    model = _net()
    ema = ExponentialMovingAverage(model, momentum=0.1)
    assert all(not p.requires_grad for p in ema.module.parameters())
    assert all(p.requires_grad for p in model.parameters())
    assert ema.module[0].weight.data_ptr() != model[0].weight.data_ptr()
    assert set(ema.state_dict()) == {"steps"} | {f"module.{k}" for k in model.state_dict()}
    assert ema.steps.dtype == torch.long and int(ema.steps) == 0
    inputs = torch.randn(2, 3)
    ema.eval()
    model.eval()
    torch.testing.assert_close(ema(inputs), model(inputs))


def test_first_update_copies_then_ema_formula() -> None:
    model = _net()
    ema = ExponentialMovingAverage(model, momentum=0.25)
    _bump(model, 2.0)
    ema.update_parameters(model)
    assert torch.all(ema.module[0].weight == 2.0)
    _bump(model, 6.0)
    ema.update_parameters(model)
    # ema = (1 - m) * ema + m * x = 0.75 * 2 + 0.25 * 6
    torch.testing.assert_close(ema.module[0].weight, torch.full((4, 3), 3.0))
    assert int(ema.steps) == 2


def test_interval_skips_updates_but_counts_them() -> None:
    model = _net()
    ema = ExponentialMovingAverage(model, momentum=0.5, interval=2)
    values = [1.0, 3.0, 5.0, 7.0]
    for value in values:
        _bump(model, value)
        ema.update_parameters(model)
    # step 0 copies 1; step 1 skipped; step 2: 0.5*1 + 0.5*5 = 3; step 3 skipped.
    torch.testing.assert_close(ema.module[0].bias, torch.full((4,), 3.0))
    assert int(ema.steps) == 4


def test_buffers_follow_the_source_unless_averaged() -> None:
    model = _net()
    copied = ExponentialMovingAverage(model, momentum=0.5)
    averaged = ExponentialMovingAverage(model, momentum=0.5, update_buffers=True)
    _bump(model, 1.0)
    first_mean = model[1].running_mean.clone()
    copied.update_parameters(model)
    averaged.update_parameters(model)
    _bump(model, 3.0)
    copied.update_parameters(model)
    averaged.update_parameters(model)
    torch.testing.assert_close(copied.module[1].running_mean, model[1].running_mean)
    torch.testing.assert_close(
        averaged.module[1].running_mean, 0.5 * first_mean + 0.5 * model[1].running_mean
    )
    # Integer buffers are copied at the first update and never averaged afterwards.
    assert int(averaged.module[1].num_batches_tracked) == 1
    assert int(copied.module[1].num_batches_tracked) == 2


def test_swa_is_the_running_mean_of_the_averaged_snapshots() -> None:
    model = _net()
    swa = StochasticWeightAverage(model, interval=2)
    for value in (1.0, 100.0, 3.0, 100.0, 8.0):
        _bump(model, value)
        swa.update_parameters(model)
    # Updates at steps 0, 2 and 4 see 1, 3 and 8.
    torch.testing.assert_close(swa.module[0].weight, torch.full((4, 3), 4.0))


def test_momentum_annealing_uses_the_larger_momentum() -> None:
    model = _net()
    ema = MomentumAnnealingEMA(model, momentum=0.01, gamma=1)
    _bump(model, 0.0)
    ema.update_parameters(model)
    _bump(model, 4.0)
    ema.update_parameters(model)  # steps=1: max(0.01, 1/2) = 0.5 -> 2.0
    torch.testing.assert_close(ema.module[0].weight, torch.full((4, 3), 2.0))
    _bump(model, 5.0)
    ema.update_parameters(model)  # steps=2: max(0.01, 1/3) -> 2 + (5 - 2) / 3 = 3
    torch.testing.assert_close(ema.module[0].weight, torch.full((4, 3), 3.0))


def test_device_argument_places_the_copy() -> None:
    ema = ExponentialMovingAverage(_net(), device="meta")
    assert ema.module[0].weight.device.type == "meta"
    assert ema.steps.device.type == "meta"


@pytest.mark.parametrize("momentum", [0.0, 1.0, -0.1, "0.1"])
def test_momentum_out_of_range(momentum: object) -> None:
    with pytest.raises(ValueError, match=r"momentum must be in range \(0.0, 1.0\), got"):
        ExponentialMovingAverage(_net(), momentum=momentum)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):  # mmengine asserts: old except clauses keep working
        ExponentialMovingAverage(_net(), momentum=momentum)  # type: ignore[arg-type]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_large_momentum_warns() -> None:
    from mmlight.logging import MMLogger

    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    try:
        ExponentialMovingAverage(_net(), momentum=0.9)
        ExponentialMovingAverage(_net(), momentum=0.5)
    finally:
        logger.removeHandler(handler)
    assert len(handler.messages) == 1
    assert "momentum=0.9 is the weight of the new value" in handler.messages[0]


def test_gamma_and_interval_errors() -> None:
    with pytest.raises(ValueError, match=r"gamma must be greater than 0, got 0"):
        MomentumAnnealingEMA(_net(), gamma=0)
    with pytest.raises(ValueError, match=r"interval must be a positive int, got 0"):
        StochasticWeightAverage(_net(), interval=0)


def test_base_class_needs_avg_func() -> None:
    model = _net()
    base = BaseAveragedModel(model)
    base.update_parameters(model)  # the first update only copies
    with pytest.raises(NotImplementedError, match=r"BaseAveragedModel must implement avg_func"):
        base.update_parameters(model)
