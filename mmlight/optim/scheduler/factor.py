"""Warm-up style schedules: a constant factor, or a factor moving linearly, over the window."""

from __future__ import annotations

from typing import Any

from mmlight.optim.errors import OptimValueError
from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = ["ConstantParamScheduler", "LinearParamScheduler"]


def _check_factor(owner: str, name: str, value: float) -> None:
    if value > 1.0 or value < 0:
        raise OptimValueError(f"{owner}: {name} should be between 0 and 1, but got {value!r}")


@PARAM_SCHEDULERS.register_module()
class ConstantParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` until the last step of the window, then restore it."""

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        factor: float = 1.0 / 3,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        _check_factor(type(self).__name__, "factor", factor)
        self.factor = factor
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
            return [group[self.param_name] * self.factor for group in self.optimizer.param_groups]
        if self.last_step == self.total_iters:
            return [
                group[self.param_name] * (1.0 / self.factor)
                for group in self.optimizer.param_groups
            ]
        return self._current_values()


@PARAM_SCHEDULERS.register_module()
class LinearParamScheduler(_ParamScheduler):
    """Move the multiplicative factor linearly from ``start_factor`` to ``end_factor``."""

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        _check_factor(type(self).__name__, "start_factor", start_factor)
        _check_factor(type(self).__name__, "end_factor", end_factor)
        self.start_factor = start_factor
        self.end_factor = end_factor
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
            return [
                group[self.param_name] * self.start_factor for group in self.optimizer.param_groups
            ]
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_step - 1) * delta)
        return [group[self.param_name] * ratio for group in self.optimizer.param_groups]
