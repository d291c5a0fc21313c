"""PARAM_SCHEDULERS.build: ``convert_to_iter_based`` and ``epoch_length``, as in mmengine."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import CosineAnnealingLR, MultiStepLR, OptimWrapper, StepLR
from mmlight.registry import PARAM_SCHEDULERS, UnknownTypeError
from mmlight.registry.build_functions import SchedulerConversionError, build_scheduler_from_cfg


def wrapper() -> OptimWrapper:
    torch.manual_seed(0)
    return OptimWrapper(torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9))


def build(cfg: dict[str, Any], epoch_length: int | None = 10) -> Any:
    default_args: dict[str, Any] = {"optimizer": wrapper()}
    if epoch_length is not None:
        default_args["epoch_length"] = epoch_length
    return PARAM_SCHEDULERS.build(cfg, default_args=default_args)


def test_registry_uses_the_scheduler_build_function() -> None:
    assert PARAM_SCHEDULERS.build_func is build_scheduler_from_cfg


def test_epoch_length_dropped_without_conversion() -> None:
    scheduler = build({"type": "MultiStepLR", "milestones": [2, 4]})
    assert isinstance(scheduler, MultiStepLR)
    assert scheduler.by_epoch is True and dict(scheduler.milestones) == {2: 1, 4: 1}


@pytest.mark.parametrize(
    ("cfg", "attrs"),
    [
        (
            {"type": "MultiStepLR", "milestones": [2, 4], "begin": 1, "end": 6},
            {"milestones": {20: 1, 40: 1}, "begin": 10, "end": 60},
        ),
        ({"type": "StepLR", "step_size": 3}, {"step_size": 30, "end": int(1e9)}),
        ({"type": "CosineAnnealingLR", "T_max": 2}, {"T_max": 20}),
        ({"type": "CosineAnnealingLR", "begin": 1, "end": 3}, {"T_max": 20, "begin": 10}),
        (
            {"type": "CosineRestartLR", "periods": [1, 2], "restart_weights": [1, 1], "eta_min": 0},
            {"periods": [10, 20], "cumulative_periods": [10, 30]},
        ),
        ({"type": "OneCycleLR", "eta_max": 0.1, "total_steps": 3}, {"total_steps": 30}),
        (
            {"type": "LinearParamScheduler", "param_name": "momentum", "end": 2},
            {"end": 20, "total_iters": 19},
        ),
    ],
)
def test_convert_to_iter_based(cfg: dict[str, Any], attrs: dict[str, Any]) -> None:
    scheduler = build({**cfg, "convert_to_iter_based": True})
    assert scheduler.by_epoch is False
    for name, value in attrs.items():
        got = getattr(scheduler, name)
        assert (dict(got) if name == "milestones" else got) == value, name


def test_convert_with_a_class_type_and_scope() -> None:
    scheduler = build({"type": StepLR, "step_size": 1, "convert_to_iter_based": True})
    assert isinstance(scheduler, StepLR) and scheduler.step_size == 10
    scoped = build({"type": "CosineAnnealingLR", "_scope_": "mmlight", "T_max": 1,
                    "convert_to_iter_based": True})  # fmt: skip
    assert isinstance(scoped, CosineAnnealingLR) and scoped.T_max == 10


def test_convert_errors() -> None:
    with pytest.raises(SchedulerConversionError, match=r"StepLR has convert_to_iter_based=True, "
                       r"but it has by_epoch=False"):  # fmt: skip
        build({"type": "StepLR", "step_size": 1, "by_epoch": False, "convert_to_iter_based": True})
    with pytest.raises(ValueError, match=r"no epoch_length was given"):
        build({"type": "StepLR", "step_size": 1, "convert_to_iter_based": True}, None)
    with pytest.raises(AssertionError):  # mmengine asserts here
        build({"type": "StepLR", "step_size": 1, "convert_to_iter_based": True}, None)
    with pytest.raises(
        UnknownTypeError, match=r"'StepLRR' is not in .*did you mean one of 'StepLR'"
    ):
        build({"type": "StepLRR", "step_size": 1, "convert_to_iter_based": True})
    with pytest.raises(TypeError, match=r"type must be a str or a class, but got int"):
        build({"type": 3, "convert_to_iter_based": True})
    with pytest.raises(KeyError, match=r'must contain the key "type"'):
        build({"step_size": 1, "convert_to_iter_based": True})
    with pytest.raises(AttributeError, match=r"ReduceOnPlateauLR cannot be converted"):
        build({"type": "ReduceOnPlateauLR", "convert_to_iter_based": True})
    with pytest.raises(TypeError, match=r"cfg should be a dict"):
        build_scheduler_from_cfg([], PARAM_SCHEDULERS)


def test_false_flag_is_a_plain_build() -> None:
    scheduler = build({"type": "StepLR", "step_size": 2, "convert_to_iter_based": False})
    assert scheduler.step_size == 2 and scheduler.by_epoch is True


def test_scheduler_build_function_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from mmlight.registry import PARAM_SCHEDULERS\n"
        "print(PARAM_SCHEDULERS.build_func.__name__, 'torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "build_scheduler_from_cfg False"
