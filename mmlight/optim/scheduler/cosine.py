"""Cosine schedules: one annealing curve (SGDR without restarts), or curves with restarts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from mmlight.optim.errors import OptimValueError
from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = ["CosineAnnealingParamScheduler", "CosineRestartParamScheduler"]


def _check_eta_min(owner: str, eta_min: float | None, eta_min_ratio: float | None) -> None:
    if (eta_min is None) == (eta_min_ratio is None):
        raise OptimValueError(
            f"{owner}: set exactly one of eta_min (an absolute minimum) and eta_min_ratio (a "
            f"fraction of the initial value), but got eta_min={eta_min!r}, "
            f"eta_min_ratio={eta_min_ratio!r}"
        )


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingParamScheduler(_ParamScheduler):
    """Anneal along a cosine from the initial value to ``eta_min`` over ``T_max`` steps.

    ``T_max`` defaults to the window length ``end - begin``; ``eta_min`` defaults to 0 unless
    ``eta_min_ratio`` is given.
    """

    _epoch_scaled_args: ClassVar[dict[str, bool]] = {"T_max": False}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        T_max: int | None = None,
        eta_min: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
        eta_min_ratio: float | None = None,
    ) -> None:
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        _check_eta_min(type(self).__name__, eta_min, eta_min_ratio)
        self.T_max = T_max or (end - begin)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _eta_min_for(self, base_value: float) -> Any:
        if self.eta_min_ratio is None:
            return self.eta_min
        return base_value * self.eta_min_ratio

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return self._current_values()
        pairs = zip(self.base_values, self.optimizer.param_groups)
        if (self.last_step - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [
                group[self.param_name]
                + (base - self._eta_min_for(base)) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base, group in pairs
            ]
        ratio = (1 + math.cos(math.pi * self.last_step / self.T_max)) / (
            1 + math.cos(math.pi * (self.last_step - 1) / self.T_max)
        )
        return [
            ratio * (group[self.param_name] - self._eta_min_for(base)) + self._eta_min_for(base)
            for base, group in pairs
        ]


@PARAM_SCHEDULERS.register_module()
class CosineRestartParamScheduler(_ParamScheduler):
    """Cosine annealing restarted after each of ``periods``, peaking at
    ``initial value * restart_weights[i]`` in period ``i``."""

    _epoch_scaled_args: ClassVar[dict[str, bool]] = {"periods": True}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        periods: list[int],
        restart_weights: Sequence[float] = (1,),
        eta_min: float | None = None,
        eta_min_ratio: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        _check_eta_min(type(self).__name__, eta_min, eta_min_ratio)
        self.periods = periods
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.restart_weights = restart_weights
        if len(periods) != len(restart_weights):
            raise OptimValueError(
                f"{type(self).__name__}: periods and restart_weights should have the same "
                f"length, but got {len(periods)} periods {list(periods)} and "
                f"{len(restart_weights)} restart_weights {list(restart_weights)}"
            )
        self.cumulative_periods = [sum(self.periods[0 : i + 1]) for i in range(len(self.periods))]
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    @staticmethod
    def get_position_from_periods(iteration: int, cumulative_periods: list[int]) -> int | None:
        """Index of the period ``iteration`` falls in; None once all periods are over."""
        for index, period_end in enumerate(cumulative_periods):
            if iteration < period_end:
                return index
        return None

    def _get_value(self) -> list[Any]:
        index = self.get_position_from_periods(self.last_step, self.cumulative_periods)
        if index is None:
            return self._current_values()
        weight = self.restart_weights[index]
        restart_at = 0 if index == 0 else self.cumulative_periods[index - 1]
        period = self.periods[index]
        step = self.last_step - restart_at
        values = []
        for base, group in zip(self.base_values, self.optimizer.param_groups):
            eta_max = base * weight
            eta_min = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
            if step == 0:
                values.append(eta_max)
            else:
                values.append(
                    (1 + math.cos(math.pi * step / period))
                    / (1 + math.cos(math.pi * (step - 1) / period))
                    * (group[self.param_name] - eta_min)
                    + eta_min
                )
        return values
