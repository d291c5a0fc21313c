"""Decay schedules: every ``step_size`` steps, at milestones, every step, or polynomially."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = [
    "ExponentialParamScheduler",
    "MultiStepParamScheduler",
    "PolyParamScheduler",
    "StepParamScheduler",
]


@PARAM_SCHEDULERS.register_module()
class StepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every ``step_size`` steps."""

    _epoch_scaled_args: ClassVar[dict[str, bool]] = {"step_size": True}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        step_size: int,
        gamma: float = 0.1,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(
            optimizer=optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _get_value(self) -> list[Any]:
        if self.last_step == 0 or self.last_step % self.step_size != 0:
            return self._current_values()
        return [group[self.param_name] * self.gamma for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class MultiStepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` at each milestone (by ``gamma**n`` if listed n times)."""

    _epoch_scaled_args: ClassVar[dict[str, bool]] = {"milestones": True}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_step: int = -1,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _get_value(self) -> list[Any]:
        if self.last_step not in self.milestones:
            return self._current_values()
        factor = self.gamma ** self.milestones[self.last_step]
        return [group[self.param_name] * factor for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class ExponentialParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every step (after the first)."""

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        gamma: float,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.gamma = gamma
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return self._current_values()
        return [group[self.param_name] * self.gamma for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class PolyParamScheduler(_ParamScheduler):
    """Decay polynomially (``power``) towards ``eta_min``, reached at the last step."""

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        eta_min: float = 0,
        power: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.eta_min = eta_min
        self.power = power
        self.total_iters = end - begin - 1
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return self._current_values()
        keep = (1 - 1 / (self.total_iters - self.last_step + 1)) ** self.power
        return [
            (group[self.param_name] - self.eta_min) * keep + self.eta_min
            for group in self.optimizer.param_groups
        ]
