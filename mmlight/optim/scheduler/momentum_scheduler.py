"""Momentum schedulers: SGD-style ``momentum``, or ``betas[0]`` of Adam-type optimizers.

For Adam-type optimizers a ``momentum`` key mirroring ``betas[0]`` is added to every param
group; the family schedules it and each step copies it back into ``betas``, as mmengine does.
"""

from __future__ import annotations

from typing import Any

from mmlight.optim.errors import OptimValueError
from mmlight.optim.scheduler.cosine import (
    CosineAnnealingParamScheduler,
    CosineRestartParamScheduler,
)
from mmlight.optim.scheduler.factor import ConstantParamScheduler, LinearParamScheduler
from mmlight.optim.scheduler.param_scheduler import _ParamScheduler
from mmlight.optim.scheduler.reduce_on_plateau import ReduceOnPlateauParamScheduler
from mmlight.optim.scheduler.step_decay import (
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    PolyParamScheduler,
    StepParamScheduler,
)
from mmlight.registry import PARAM_SCHEDULERS

__all__ = [
    "ConstantMomentum",
    "CosineAnnealingMomentum",
    "CosineRestartMomentum",
    "ExponentialMomentum",
    "LinearMomentum",
    "MomentumSchedulerMixin",
    "MultiStepMomentum",
    "PolyMomentum",
    "ReduceOnPlateauMomentum",
    "StepMomentum",
]


class MomentumSchedulerMixin:
    """Schedules ``'momentum'`` (kept in sync with ``betas[0]`` for Adam-type optimizers)."""

    optimizer: Any
    use_betas: bool

    def __init__(self, optimizer: Any, *args: Any, **kwargs: Any) -> None:
        _ParamScheduler._check_optimizer(self, optimizer)  # type: ignore[arg-type]
        self.use_betas = False
        if "momentum" in optimizer.defaults:
            pass
        elif "betas" in optimizer.defaults:
            self.use_betas = True
            for group in optimizer.param_groups:
                group["momentum"] = group["betas"][0]
        else:
            raise OptimValueError(
                f"{type(self).__name__}: optimizer must support momentum when using momentum "
                "scheduler: it needs an optimizer with momentum (e.g. SGD, RMSprop) or betas "
                f"(Adam-type), but {type(optimizer).__name__} has neither; its defaults are "
                f"{sorted(optimizer.defaults)}"
            )
        super().__init__(optimizer, "momentum", *args, **kwargs)  # type: ignore[call-arg]

    def step(self, *args: Any, **kwargs: Any) -> None:
        super().step(*args, **kwargs)  # type: ignore[misc]
        if self.use_betas:
            for group in self.optimizer.param_groups:
                _, beta_2 = group["betas"]
                group["betas"] = (group["momentum"], beta_2)


@PARAM_SCHEDULERS.register_module()
class ConstantMomentum(MomentumSchedulerMixin, ConstantParamScheduler):
    """Momentum times ``factor`` until the end of the window."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingMomentum(MomentumSchedulerMixin, CosineAnnealingParamScheduler):
    """Momentum annealed along a cosine."""


@PARAM_SCHEDULERS.register_module()
class ExponentialMomentum(MomentumSchedulerMixin, ExponentialParamScheduler):
    """Momentum times ``gamma`` every step."""


@PARAM_SCHEDULERS.register_module()
class LinearMomentum(MomentumSchedulerMixin, LinearParamScheduler):
    """Momentum factor moving linearly."""


@PARAM_SCHEDULERS.register_module()
class MultiStepMomentum(MomentumSchedulerMixin, MultiStepParamScheduler):
    """Momentum times ``gamma`` at each milestone."""


@PARAM_SCHEDULERS.register_module()
class StepMomentum(MomentumSchedulerMixin, StepParamScheduler):
    """Momentum times ``gamma`` every ``step_size`` steps."""


@PARAM_SCHEDULERS.register_module()
class PolyMomentum(MomentumSchedulerMixin, PolyParamScheduler):
    """Momentum decayed polynomially."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartMomentum(MomentumSchedulerMixin, CosineRestartParamScheduler):
    """Momentum annealed along cosines with restarts."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauMomentum(MomentumSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Momentum reduced when a validation metric plateaus."""
