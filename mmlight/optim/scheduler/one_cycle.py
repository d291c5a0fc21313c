"""The 1cycle policy: warm up to ``eta_max``, then anneal far below the initial value.

Per group, the constructor stores ``initial_lr = eta_max / div_factor``, ``max_lr = eta_max``
and ``min_lr = initial_lr / final_div_factor``; the phases interpolate between those keys.

State: mmengine stores the annealing *function* in the scheduler state, which
``torch.load(weights_only=True)`` refuses. Here the state holds ``anneal_strategy`` (a string)
and ``anneal_func`` is derived from it; an mmengine state dict (with ``anneal_func``) still loads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from mmlight.optim.errors import OptimValueError
from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = ["OneCycleParamScheduler"]

_STRATEGIES = ("cos", "linear")


@PARAM_SCHEDULERS.register_module()
class OneCycleParamScheduler(_ParamScheduler):
    """1cycle learning-rate schedule (learning rate only).

    Args:
        eta_max: peak value, a number or one per param group.
        total_steps: length of the cycle; defaults to ``end - begin``.
        pct_start: fraction of the cycle spent increasing (a float in [0, 1]).
        anneal_strategy: ``'cos'`` or ``'linear'``.
        div_factor: ``initial = eta_max / div_factor``.
        final_div_factor: ``minimum = initial / final_div_factor``.
        three_phase: go back down to the initial value symmetrically before the final anneal.
    """

    _epoch_scaled_args: ClassVar[dict[str, bool]] = {"total_steps": False}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        eta_max: float | Sequence[float] = 0,
        total_steps: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if param_name != "lr":
            raise OptimValueError(
                f"{name}: OneCycle only schedules the learning rate (param_name='lr'), but got "
                f"param_name={param_name!r}"
            )
        self.eta_max = eta_max
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise OptimValueError(
                    f"{name}: total_steps should be a positive integer, but got {total_steps!r}"
                )
            self.total_steps = total_steps
        else:
            self.total_steps = end - begin
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise OptimValueError(
                f"{name}: pct_start should be a float between 0 and 1, but got {pct_start!r}"
            )
        if anneal_strategy not in _STRATEGIES:
            raise OptimValueError(
                f"{name}: anneal_strategy should be 'cos' or 'linear', but got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy
        self._schedule_phases = self._phases(param_name, pct_start, three_phase)
        max_values = self._format_param(f"max_{param_name}", optimizer, eta_max)
        if last_step == -1:
            for index, group in enumerate(optimizer.param_groups):
                group[f"initial_{param_name}"] = max_values[index] / div_factor
                group[f"max_{param_name}"] = max_values[index]
                group[f"min_{param_name}"] = group[f"initial_{param_name}"] / final_div_factor
        super().__init__(
            optimizer=optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    def _phases(self, param: str, pct_start: float, three_phase: bool) -> list[dict[str, Any]]:
        """Phase ends (in steps) and the group keys each phase goes from and to."""
        initial, peak, low = f"initial_{param}", f"max_{param}", f"min_{param}"
        start_key, end_key = f"start_{param}", f"end_{param}"
        warmup_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            return [
                {"end_step": warmup_end, start_key: initial, end_key: peak},
                {
                    "end_step": float(2 * pct_start * self.total_steps) - 2,
                    start_key: peak,
                    end_key: initial,
                },
                {"end_step": last, start_key: initial, end_key: low},
            ]
        return [
            {"end_step": warmup_end, start_key: initial, end_key: peak},
            {"end_step": last, start_key: peak, end_key: low},
        ]

    def _format_param(self, name: str, optimizer: Any, param: Any) -> list[Any]:
        """One value per param group (a list must already have exactly that many)."""
        count = len(optimizer.param_groups)
        if isinstance(param, (list, tuple)):
            if len(param) != count:
                raise OptimValueError(
                    f"{type(self).__name__}: expected {count} values for {name} (one per param "
                    f"group), got {len(param)}"
                )
            return list(param)
        return [param] * count

    @staticmethod
    def _annealing_cos(start: float, end: float, pct: float) -> float:
        """Cosine from ``start`` (pct 0) to ``end`` (pct 1)."""
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    @staticmethod
    def _annealing_linear(start: float, end: float, pct: float) -> float:
        """Straight line from ``start`` (pct 0) to ``end`` (pct 1)."""
        return (end - start) * pct + start

    @property
    def anneal_func(self) -> Callable[[float, float, float], float]:
        if self.anneal_strategy == "linear":
            return self._annealing_linear
        return self._annealing_cos

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Also accepts mmengine's state, whose ``anneal_func`` is a function."""
        state = dict(state_dict)
        func = state.pop("anneal_func", None)
        if func is not None and "anneal_strategy" not in state:
            func_name = getattr(func, "__name__", "")
            state["anneal_strategy"] = "linear" if "linear" in func_name else "cos"
        super().load_state_dict(state)

    def _get_value(self) -> list[Any]:
        step_num = self.last_step
        if step_num > self.total_steps:
            raise OptimValueError(
                f"{type(self).__name__}: tried to step {step_num + 1} times, but total_steps is "
                f"{self.total_steps}; set end (or total_steps) to the number of steps trained"
            )
        values = []
        last_phase = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step: float = 0
            for index, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or index == last_phase:
                    pct = (step_num - start_step) / (end_step - start_step)
                    value = self.anneal_func(
                        group[phase["start_" + self.param_name]],
                        group[phase["end_" + self.param_name]],
                        pct,
                    )
                    break
                start_step = phase["end_step"]
            values.append(value)
        return values
