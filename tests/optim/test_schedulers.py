"""Scheduler families: values worked out by hand, momentum/betas handling, family errors.

(Exact agreement with mmengine over many configurations is in tests/parity.)
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import (
    ConstantLR,
    CosineAnnealingLR,
    CosineRestartLR,
    ExponentialLR,
    LinearLR,
    LinearMomentum,
    MultiStepLR,
    MultiStepMomentum,
    OneCycleLR,
    OneCycleParamScheduler,
    OptimWrapper,
    PolyLR,
    ReduceOnPlateauLR,
    ReduceOnPlateauMomentum,
    ReduceOnPlateauParamScheduler,
    StepLR,
    StepMomentum,
    StepParamScheduler,
)
from mmlight.registry import PARAM_SCHEDULERS

FAMILIES = ["Constant", "CosineAnnealing", "CosineRestart", "Exponential", "Linear", "MultiStep",
            "Poly", "ReduceOnPlateau", "Step"]  # fmt: skip


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Linear(2, 1)


def sgd(lr: float = 1.0, momentum: float = 0.9) -> torch.optim.SGD:
    return torch.optim.SGD(model().parameters(), lr=lr, momentum=momentum, weight_decay=0.1)


def run(scheduler: Any, steps: int, key: str = "lr") -> list[float]:
    """The value before each step and after the last one."""
    optimizer = scheduler.optimizer
    values = [optimizer.param_groups[0][key]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        values.append(optimizer.param_groups[0][key])
    return values


def test_every_family_registered_in_all_forms() -> None:
    for family in FAMILIES:
        for form in ("ParamScheduler", "LR", "Momentum"):
            assert PARAM_SCHEDULERS.get(family + form) is not None, family + form
    assert PARAM_SCHEDULERS.get("OneCycleLR") is OneCycleLR
    assert PARAM_SCHEDULERS.get("OneCycleParamScheduler") is OneCycleParamScheduler
    assert PARAM_SCHEDULERS.get("OneCycleMomentum") is None  # as mmengine


# ---- values ---------------------------------------------------------------------------------


def test_step() -> None:
    assert run(StepLR(sgd(), step_size=2, gamma=0.5), 5) == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_multistep_repeated_milestone() -> None:
    values = run(MultiStepLR(sgd(), milestones=[1, 3, 3], gamma=0.5), 4)
    assert values == [1.0, 0.5, 0.5, 0.125, 0.125]


def test_constant_restores_at_the_last_window_step() -> None:
    values = run(ConstantLR(sgd(), factor=0.5, end=3), 4)
    assert values == [0.5, 0.5, 1.0, 1.0, 1.0]


def test_exponential() -> None:
    values = run(ExponentialLR(sgd(), gamma=0.5), 3)
    assert values == [1.0, 0.5, 0.25, 0.125]


def test_linear_warmup_reaches_end_factor() -> None:
    values = run(LinearLR(sgd(), start_factor=0.25, end=4), 4)
    assert values == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])


def test_poly_reaches_eta_min() -> None:
    values = run(PolyLR(sgd(), eta_min=0.1, power=1.0, end=4), 4)
    assert values == pytest.approx([1.0, 0.7, 0.4, 0.1, 0.1])


def test_cosine_annealing_follows_the_closed_form() -> None:
    values = run(CosineAnnealingLR(sgd(), T_max=4, eta_min=0.2), 4)
    closed = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    assert values == pytest.approx(closed)


def test_cosine_eta_min_ratio_and_default_t_max() -> None:
    scheduler = CosineAnnealingLR(sgd(lr=2.0), eta_min_ratio=0.5, begin=0, end=4)
    assert scheduler.T_max == 4
    # eta_min = 2.0 * 0.5; the window ends after step 3 of the 4-step curve
    assert run(scheduler, 4)[-1] == pytest.approx(1.0 + (1 + math.cos(3 * math.pi / 4)) / 2)


def test_cosine_restart_peaks_scale_with_restart_weights() -> None:
    scheduler = CosineRestartLR(sgd(), periods=[2, 2], restart_weights=[1, 0.5], eta_min=0.0)
    assert scheduler.cumulative_periods == [2, 4]
    values = run(scheduler, 5)
    assert values == pytest.approx([1.0, 0.5, 0.5, 0.25, 0.25, 0.25])


def test_one_cycle_phases() -> None:
    scheduler = OneCycleLR(sgd(), eta_max=1.0, total_steps=10, pct_start=0.3, div_factor=10.0,
                           final_div_factor=100.0, anneal_strategy="linear")  # fmt: skip
    values = run(scheduler, 9)
    assert values[0] == pytest.approx(0.1)  # initial = eta_max / div_factor
    assert max(values) == pytest.approx(1.0) and values.index(max(values)) == 2
    assert values[-1] == pytest.approx(0.001)  # initial / final_div_factor
    group = scheduler.optimizer.param_groups[0]
    assert (group["initial_lr"], group["max_lr"], group["min_lr"]) == pytest.approx(
        (0.1, 1.0, 0.001)
    )


def test_one_cycle_state_is_picklable_without_functions() -> None:
    scheduler = OneCycleLR(sgd(), eta_max=0.5, total_steps=5, anneal_strategy="cos")
    state = scheduler.state_dict()
    assert state["anneal_strategy"] == "cos" and "anneal_func" not in state
    assert not any(callable(v) for v in state.values())
    pickle.loads(pickle.dumps(state))  # plain data only
    other = OneCycleLR(sgd(), eta_max=0.5, total_steps=5, anneal_strategy="linear")
    other.load_state_dict(state)
    assert other.anneal_func == OneCycleLR._annealing_cos


def test_one_cycle_overstep_is_an_error() -> None:
    scheduler = OneCycleLR(sgd(), eta_max=0.5, total_steps=2)
    run(scheduler, 2)
    with pytest.raises(ValueError, match=r"tried to step 4 times, but total_steps is 2"):
        scheduler.step()


def test_generic_param_form() -> None:
    optimizer = sgd()
    scheduler = StepParamScheduler(optimizer, "weight_decay", step_size=1, gamma=0.5)
    assert run(scheduler, 2, key="weight_decay") == [0.1, 0.05, 0.025]
    assert optimizer.param_groups[0]["initial_weight_decay"] == 0.1


# ---- momentum ---------------------------------------------------------------------------------


def test_sgd_momentum() -> None:
    scheduler = StepMomentum(sgd(momentum=0.8), step_size=1, gamma=0.5)
    assert scheduler.use_betas is False
    assert run(scheduler, 2, key="momentum") == [0.8, 0.4, 0.2]


@pytest.mark.parametrize("wrap", [False, True])
def test_adam_betas_follow_momentum(wrap: bool) -> None:
    optimizer = torch.optim.Adam(model().parameters(), lr=0.1, betas=(0.8, 0.95))
    target: Any = OptimWrapper(optimizer) if wrap else optimizer
    scheduler = MultiStepMomentum(target, milestones=[1], gamma=0.5)
    assert scheduler.use_betas is True
    target.step()
    scheduler.step()
    assert optimizer.param_groups[0]["betas"] == (0.4, 0.95)
    assert optimizer.param_groups[0]["momentum"] == 0.4
    if wrap:
        assert target.get_momentum() == {"momentum": [0.4]}


def test_linear_momentum_construction_applies_start_factor_to_betas() -> None:
    optimizer = torch.optim.AdamW(model().parameters(), betas=(0.9, 0.999))
    LinearMomentum(optimizer, start_factor=0.5, end=3)
    assert optimizer.param_groups[0]["betas"] == (0.45, 0.999)


def test_momentum_scheduler_needs_momentum_or_betas() -> None:
    optimizer = torch.optim.Adagrad(model().parameters())
    with pytest.raises(ValueError, match=r"StepMomentum: optimizer must support momentum "
                       r"when using momentum scheduler: it needs an optimizer with momentum .* or "
                       r"betas \(Adam-type\), but Adagrad has neither"):  # fmt: skip
        StepMomentum(optimizer, step_size=1)
    with pytest.raises(TypeError, match=r"``optimizer`` should be an Optimizer \(a torch"):
        StepMomentum(None, step_size=1)  # type: ignore[arg-type]


# ---- ReduceOnPlateau --------------------------------------------------------------------------


def plateau_run(scheduler: Any, metrics: list[float], key: str = "lr") -> list[float]:
    values = []
    for metric in metrics:
        scheduler.step()  # after the training epoch: only counts
        scheduler.step({"loss": metric})
        values.append(scheduler.optimizer.param_groups[0][key])
    return values


def test_plateau_reduces_after_patience_and_respects_cooldown_and_min() -> None:
    scheduler = ReduceOnPlateauLR(sgd(), patience=1, factor=0.5, cooldown=1, min_value=0.2)
    assert scheduler.need_val_args is True
    values = plateau_run(scheduler, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert values == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert plateau_run(scheduler, [1.0] * 3)[-1] == 0.2  # clamped at min_value


def test_plateau_greater_rule_with_abs_threshold() -> None:
    scheduler = ReduceOnPlateauLR(sgd(), monitor="acc", rule="greater", patience=0,
                                  threshold=0.1, threshold_rule="abs")  # fmt: skip
    for acc, expected in [(0.5, 1.0), (0.55, 0.1), (0.7, 0.1), (0.75, 0.01)]:
        scheduler.step({"acc": acc})
        assert scheduler.optimizer.param_groups[0]["lr"] == pytest.approx(expected)


def test_plateau_does_not_touch_the_optimizer_at_construction() -> None:
    optimizer = sgd()
    step = optimizer.step
    scheduler = ReduceOnPlateauLR(optimizer)
    assert optimizer.step == step and not hasattr(optimizer, "_global_step")
    assert scheduler._global_step == 0 and scheduler.get_last_value() == [1.0]
    assert "base_values" not in scheduler.state_dict()


def test_plateau_momentum_with_betas() -> None:
    optimizer = torch.optim.Adam(model().parameters(), betas=(0.8, 0.9))
    scheduler = ReduceOnPlateauMomentum(optimizer, patience=0, factor=0.5)
    plateau_run(scheduler, [1.0, 1.0])
    assert optimizer.param_groups[0]["betas"] == (0.4, 0.9)


def test_plateau_min_value_per_group_on_wrapper() -> None:
    net = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1))
    wrapper = OptimWrapper(
        torch.optim.SGD([{"params": net[0].parameters()}, {"params": net[1].parameters()}], lr=1.0)
    )
    scheduler = ReduceOnPlateauLR(wrapper, min_value=[0.5, 0.1], patience=0, factor=0.1)
    assert scheduler.min_values == [0.5, 0.1, 0.1]  # extended to base_param_settings
    plateau_run(scheduler, [1.0, 1.0])
    assert wrapper.get_lr() == {"base_lr": [0.1], "lr": [0.5, 0.1]}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by_epoch": False}, r"ReduceOnPlateauLR only supports by_epoch=True"),
        ({"factor": 1.0}, r"factor should be < 1.0, but got 1.0"),
        ({"threshold": -1}, r"threshold should be >= 0"),
        ({"rule": "lower"}, r"rule should be 'less' or 'greater', but got 'lower'"),
        ({"threshold_rule": "relative"}, r"threshold_rule should be 'rel' or 'abs'"),
        ({"min_value": [0.1, 0.2]}, r"expected 1 min_value entries .* got 2"),
        ({"begin": 3, "end": 2}, r"end should be larger than begin, but got begin=3, end=2"),
    ],
)
def test_plateau_argument_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ReduceOnPlateauLR(sgd(), **kwargs)


def test_plateau_step_errors_and_no_conversion() -> None:
    scheduler = ReduceOnPlateauParamScheduler(sgd(), "lr", monitor="acc")
    with pytest.raises(TypeError, match=r"metrics should be a dict, but got list"):
        scheduler.step([1.0])  # type: ignore[arg-type]
    with pytest.raises(KeyError, match=r"monitor='acc' is not among the validation metrics "
                       r"\['loss'\]"):  # fmt: skip
        scheduler.step({"loss": 1.0})
    with pytest.raises(AttributeError, match=r"cannot be converted to iter-based"):
        ReduceOnPlateauLR.build_iter_from_epoch(sgd(), epoch_length=3)


# ---- family argument errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (ConstantLR, {"factor": 1.5}, r"ConstantLR: factor should be between 0 and 1"),
        (LinearLR, {"start_factor": -0.1}, r"LinearLR: start_factor should be between 0 and 1"),
        (LinearLR, {"end_factor": 2}, r"end_factor should be between 0 and 1, but got 2"),
        (
            CosineAnnealingLR,
            {"eta_min": 0.1, "eta_min_ratio": 0.1},
            r"set exactly one of eta_min .* and eta_min_ratio",
        ),
        (CosineRestartLR, {"periods": [2]}, r"set exactly one of eta_min"),
        (
            CosineRestartLR,
            {"periods": [2, 3], "eta_min": 0.0},
            r"periods and restart_weights should have the same length, but got 2 periods",
        ),
        (OneCycleLR, {"total_steps": 0}, r"total_steps should be a positive integer"),
        (OneCycleLR, {"total_steps": 10, "pct_start": 1}, r"pct_start should be a float"),
        (OneCycleLR, {"total_steps": 10, "anneal_strategy": "exp"}, r"'cos' or 'linear'"),
        (
            OneCycleLR,
            {"total_steps": 10, "eta_max": [0.1, 0.2]},
            r"expected 1 values for max_lr \(one per param group\), got 2",
        ),
    ],
)
def test_family_argument_errors(cls: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cls(sgd(), **kwargs)
    with pytest.raises(AssertionError):  # mmengine asserts or raises ValueError here
        cls(sgd(), **kwargs)


def test_one_cycle_is_lr_only() -> None:
    with pytest.raises(ValueError, match=r"OneCycle only schedules the learning rate"):
        OneCycleParamScheduler(sgd(), "momentum", total_steps=3)
