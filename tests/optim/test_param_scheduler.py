"""_ParamScheduler: step counting, windows, the optimizer-step counter and its warnings, state."""

from __future__ import annotations

import gc
import logging
import warnings
import weakref
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import LinearLR, OptimWrapper, StepLR, _ParamScheduler
from mmlight.optim.scheduler import INF


def sgd(lr: float = 1.0, groups: int = 1) -> torch.optim.SGD:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1))
    if groups == 1:
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": lr / 10}],
        lr=lr,
        momentum=0.9,
    )


class Halving(_ParamScheduler):
    """A minimal custom scheduler, written as users write them against mmengine."""

    def _get_value(self) -> list[Any]:
        return [group[self.param_name] / 2 for group in self.optimizer.param_groups]


def lrs(optimizer: Any) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def test_inf_and_constructor_applies_step_zero() -> None:
    assert int(1e9) == INF
    optimizer = sgd()
    scheduler = Halving(optimizer, "lr")
    assert lrs(optimizer) == [0.5]  # the constructor's own step() already applied step 0
    assert scheduler.last_step == 0 and scheduler._global_step == 0
    assert scheduler.base_values == [1.0]
    assert optimizer.param_groups[0]["initial_lr"] == 1.0
    assert scheduler.get_last_value() == [0.5]


def test_window_counts_global_and_last_step_separately() -> None:
    optimizer = sgd()
    scheduler = Halving(optimizer, "lr", begin=2, end=4)
    values = [lrs(optimizer)[0]]
    for _ in range(5):
        optimizer.step()
        scheduler.step()
        values.append(lrs(optimizer)[0])
    assert values == [1.0, 1.0, 0.5, 0.25, 0.25, 0.25]
    assert scheduler._global_step == 5 and scheduler.last_step == 1


def test_schedules_every_group_including_base_param_settings() -> None:
    wrapper = OptimWrapper(sgd(groups=2))
    Halving(wrapper, "lr")
    assert [g["lr"] for g in wrapper.param_groups] == [0.5, 0.05, 0.5]
    assert wrapper.get_lr() == {"base_lr": [0.5], "lr": [0.5, 0.05]}


def test_step_counter_wraps_optimizer_step_once() -> None:
    optimizer = sgd()
    Halving(optimizer, "lr")
    wrapped = optimizer.step
    assert getattr(wrapped, "_with_counter", False)
    StepLR(optimizer, step_size=1)
    assert optimizer.step is wrapped  # shared by all schedulers
    assert optimizer._global_step == -1
    optimizer.step()
    optimizer.step()
    assert optimizer._global_step == 1


def test_step_counter_on_an_optim_wrapper() -> None:
    wrapper = OptimWrapper(sgd())
    LinearLR(wrapper, by_epoch=False)
    wrapper.step()
    assert wrapper._global_step == 0  # type: ignore[attr-defined]


def test_step_counter_does_not_keep_the_optimizer_alive() -> None:
    optimizer = sgd()
    Halving(optimizer, "lr")
    ref = weakref.ref(optimizer)
    del optimizer
    gc.collect()
    assert ref() is None


def test_warns_when_scheduler_steps_before_optimizer() -> None:
    optimizer = sgd()
    scheduler = Halving(optimizer, "lr")
    with pytest.warns(UserWarning, match=r"scheduler.step\(\) was called before `optimizer.step"
        r".*how-to-adjust-learning-rate"):
        scheduler.step()


def test_no_warning_in_the_right_order() -> None:
    optimizer = sgd()
    scheduler = Halving(optimizer, "lr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step()
        scheduler.step()
        scheduler.step()  # only the first step is checked


def test_warns_when_optimizer_step_was_replaced() -> None:
    optimizer = sgd()
    scheduler = Halving(optimizer, "lr")
    optimizer.step = lambda *a, **k: None  # type: ignore[method-assign]
    with pytest.warns(UserWarning, match=r"optimizer.step\(\) seems to have been replaced"
        r".*how-to-adjust-learning-rate"):
        scheduler.step()


def test_state_dict_and_load() -> None:
    optimizer = sgd()
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    optimizer.step()
    scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state
    assert {"begin", "end", "by_epoch", "last_step", "base_values", "_global_step", "verbose",
            "_last_value", "param_name", "step_size", "gamma"} == set(state)  # fmt: skip
    other = StepLR(sgd(), step_size=5)
    other.load_state_dict(state)
    assert other.step_size == 2 and other.last_step == 1 and other.get_last_value() == [1.0]


def test_load_state_dict_sets_only_the_schedulers_own_attributes() -> None:
    """A state read from a file sets values, never new names (one could shadow ``step``)."""
    state = StepLR(sgd(), step_size=2).state_dict()
    state.update(step="not a method", custom_imports=["os"], optimizer="replaced")
    other = StepLR(sgd(), step_size=5)
    with pytest.warns(UserWarning, match=r"ignored keys it does not have: 'custom_imports', "
                      r"'optimizer', 'step'"):
        other.load_state_dict(state)
    assert other.step_size == 2 and callable(other.step) and not hasattr(other, "custom_imports")
    assert isinstance(other.optimizer, torch.optim.SGD)


def test_resume_needs_initial_values() -> None:
    optimizer = sgd()
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\] "
        r"when resuming an optimizer \(last_step=3\)") as e:
        Halving(optimizer, "lr", last_step=3)
    assert str(e.value).startswith("Halving:")  # not repr-quoted
    optimizer.param_groups[0]["initial_lr"] = 4.0
    scheduler = Halving(optimizer, "lr", last_step=3)
    assert scheduler.base_values == [4.0] and scheduler.last_step == 4


def test_verbose_logs_each_change(log_records: list[logging.LogRecord]) -> None:
    Halving(sgd(), "lr", verbose=True)
    assert "Adjusting parameter value of group 0 to 5.0000e-01." in [
        r.getMessage() for r in log_records
    ]


# ---- argument errors ----------------------------------------------------------------------


def test_end_must_exceed_begin_naming_both_and_the_type() -> None:
    with pytest.raises(ValueError, match=r"LinearLR: end should be larger than begin, "
                       r"but got begin=10, end=5"):
        LinearLR(sgd(), begin=10, end=5)
    with pytest.raises(ValueError, match=r"Halving: end should be larger than begin, "
                       r"but got begin=3, end=3"):
        Halving(sgd(), "lr", begin=3, end=3)


def test_optimizer_type() -> None:
    with pytest.raises(TypeError, match=r"StepLR: ``optimizer`` should be an Optimizer "
                       r"\(a torch.optim.Optimizer or an OptimWrapper\), "
                       r"but got Linear"):  # fmt: skip
        StepLR(nn.Linear(1, 1), step_size=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("last_step", [-2, 1.0, True])
def test_last_step_must_be_int_from_minus_one(last_step: Any) -> None:
    with pytest.raises(ValueError, match=r"last_step must be an int >= -1"):
        Halving(sgd(), "lr", last_step=last_step)


def test_unknown_param_name() -> None:
    with pytest.raises(KeyError, match=r"param_groups\[0\] of SGD has no 'betas' to schedule"):
        Halving(sgd(), "betas")


# ---- epoch -> iteration conversion --------------------------------------------------------


def test_build_iter_from_epoch_scales_window_and_step_arguments() -> None:
    scheduler = StepLR.build_iter_from_epoch(sgd(), step_size=2, begin=1, end=3, epoch_length=10)
    assert (scheduler.begin, scheduler.end, scheduler.step_size) == (10, 30, 20)
    assert scheduler.by_epoch is False
    endless = StepLR.build_iter_from_epoch(sgd(), step_size=1, epoch_length=10)
    assert endless.end == INF


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"step_size": 1, "by_epoch": False, "epoch_length": 3}, ValueError, r"by_epoch=True"),
        ({"step_size": 1}, ValueError, r"epoch_length must be a positive integer.*None"),
        ({"step_size": 1, "epoch_length": 0}, ValueError, r"epoch_length must be a positive"),
        ({"epoch_length": 3}, TypeError, r"missing required keyword argument: 'step_size'"),
    ],
)
def test_build_iter_from_epoch_errors(
    kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        StepLR.build_iter_from_epoch(sgd(), **kwargs)


def test_family_names_importable_from_param_scheduler_module() -> None:
    from mmlight.optim.scheduler import param_scheduler
    from mmlight.optim.scheduler.cosine import CosineAnnealingParamScheduler

    assert param_scheduler.CosineAnnealingParamScheduler is CosineAnnealingParamScheduler
    with pytest.raises(AttributeError, match=r"has no attribute 'NoSuchScheduler'"):
        param_scheduler.NoSuchScheduler  # noqa: B018
