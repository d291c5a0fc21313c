"""Learning-rate schedulers: every family with ``param_name='lr'`` filled in."""

from __future__ import annotations

from typing import Any

from mmlight.optim.scheduler.cosine import (
    CosineAnnealingParamScheduler,
    CosineRestartParamScheduler,
)
from mmlight.optim.scheduler.factor import ConstantParamScheduler, LinearParamScheduler
from mmlight.optim.scheduler.one_cycle import OneCycleParamScheduler
from mmlight.optim.scheduler.reduce_on_plateau import ReduceOnPlateauParamScheduler
from mmlight.optim.scheduler.step_decay import (
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    PolyParamScheduler,
    StepParamScheduler,
)
from mmlight.registry import PARAM_SCHEDULERS

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineRestartLR",
    "ExponentialLR",
    "LRSchedulerMixin",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "PolyLR",
    "ReduceOnPlateauLR",
    "StepLR",
]


class LRSchedulerMixin:
    """Schedules ``'lr'``: the family's arguments follow ``optimizer`` directly."""

    def __init__(self, optimizer: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(optimizer, "lr", *args, **kwargs)  # type: ignore[call-arg]


@PARAM_SCHEDULERS.register_module()
class ConstantLR(LRSchedulerMixin, ConstantParamScheduler):
    """Learning rate times ``factor`` until the end of the window."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingLR(LRSchedulerMixin, CosineAnnealingParamScheduler):
    """Learning rate annealed along a cosine."""


@PARAM_SCHEDULERS.register_module()
class ExponentialLR(LRSchedulerMixin, ExponentialParamScheduler):
    """Learning rate times ``gamma`` every step."""


@PARAM_SCHEDULERS.register_module()
class LinearLR(LRSchedulerMixin, LinearParamScheduler):
    """Learning rate factor moving linearly (the usual warm-up)."""


@PARAM_SCHEDULERS.register_module()
class MultiStepLR(LRSchedulerMixin, MultiStepParamScheduler):
    """Learning rate times ``gamma`` at each milestone."""


@PARAM_SCHEDULERS.register_module()
class StepLR(LRSchedulerMixin, StepParamScheduler):
    """Learning rate times ``gamma`` every ``step_size`` steps."""


@PARAM_SCHEDULERS.register_module()
class PolyLR(LRSchedulerMixin, PolyParamScheduler):
    """Learning rate decayed polynomially."""


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(LRSchedulerMixin, OneCycleParamScheduler):
    """The 1cycle learning-rate policy."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartLR(LRSchedulerMixin, CosineRestartParamScheduler):
    """Learning rate annealed along cosines with restarts."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauLR(LRSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Learning rate reduced when a validation metric plateaus."""
