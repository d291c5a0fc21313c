"""ReduceOnPlateau: lower the value when a validation metric stops improving.

Unlike the other schedulers it is driven by metrics: the runner calls ``step(metrics)`` after
every validation epoch and ``step()`` (which only counts) after every training epoch. It does
not wrap ``optimizer.step`` and applies nothing at construction, as mmengine's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmlight.logging import print_log
from mmlight.optim.errors import (
    OptimAttributeError,
    OptimKeyError,
    OptimTypeError,
    OptimValueError,
)
from mmlight.optim.optimizer.base import BaseOptimWrapper
from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = ["ReduceOnPlateauParamScheduler"]


_RULES = ("less", "greater")
_THRESHOLD_RULES = ("rel", "abs")


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` after ``patience`` epochs without improvement.

    Args:
        monitor: key of the validation metric to watch.
        rule: ``'less'`` (lower is better) or ``'greater'``.
        factor: multiplier applied on a plateau (< 1).
        patience: epochs without improvement tolerated before reducing.
        threshold: minimal change that counts as an improvement.
        threshold_rule: ``'rel'`` (relative to the best) or ``'abs'``.
        cooldown: epochs after a reduction during which bad epochs are not counted.
        min_value: lower bound, a number or one per param group.
        eps: reductions smaller than this are skipped.
    """

    need_val_args = True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        monitor: str = "loss",
        rule: str = "less",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_rule: str = "rel",
        cooldown: int = 0,
        min_value: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        self._check_optimizer(optimizer)
        self.optimizer = optimizer
        self.param_name = param_name
        self._check_window(begin, end)
        self.begin = begin
        self.end = end
        if not by_epoch:
            raise OptimValueError(
                f"{name} only supports by_epoch=True: it is stepped with validation metrics "
                "once per epoch"
            )
        self.by_epoch = by_epoch
        self._prepare_initial_values(optimizer, param_name, last_step)
        self.last_step = last_step
        self._global_step = 0
        self.verbose = verbose
        if factor >= 1.0:
            raise OptimValueError(f"{name}: factor should be < 1.0, but got {factor!r}")
        self.factor = factor
        self.min_values = self._min_values(optimizer, min_value)
        self.patience = patience
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.rule_worse: float | None = None
        self.best: Any = None
        self.num_bad_epochs = 0
        self.eps = eps
        self.monitor = monitor
        self._init_is_better(rule=rule, threshold=threshold, threshold_rule=threshold_rule)
        self._reset()
        self._last_value = self._current_values()

    def _min_values(self, optimizer: Any, min_value: Any) -> list[Any]:
        if not isinstance(min_value, (list, tuple)):
            return [min_value] * len(optimizer.param_groups)
        raw = optimizer.optimizer if isinstance(optimizer, BaseOptimWrapper) else optimizer
        if len(min_value) != len(raw.param_groups):
            raise OptimValueError(
                f"{type(self).__name__}: expected {len(raw.param_groups)} min_value entries "
                f"(one per param group), got {len(min_value)}"
            )
        values = list(min_value)
        if isinstance(optimizer, BaseOptimWrapper) and optimizer.base_param_settings is not None:
            values.append(values[-1])  # the base_param_settings pseudo-group
        return values

    @classmethod
    def build_iter_from_epoch(cls, *args: Any, **kwargs: Any) -> Any:
        raise OptimAttributeError(
            f"{cls.__name__} cannot be converted to iter-based (convert_to_iter_based=True): "
            "it is stepped with validation metrics once per epoch"
        )

    # ------------------------------------------------------------------ stepping
    def step(self, metrics: dict[str, Any] | None = None) -> None:
        """Without metrics: count a training epoch. With metrics: judge ``metrics[monitor]``."""
        if metrics is None:
            self._global_step += 1
            return
        if not isinstance(metrics, dict):
            raise OptimTypeError(
                f"{type(self).__name__}.step: metrics should be a dict, but got "
                f"{type(metrics).__name__}"
            )
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            metric = metrics.get(self.monitor, None)
            if metric is None:
                raise OptimKeyError(
                    f"{type(self).__name__}: monitor={self.monitor!r} is not among the "
                    f"validation metrics {list(metrics.keys())}; set monitor to one of them"
                )
            if self._is_better(metric, self.best):
                self.best = metric
                self.num_bad_epochs = 0
            else:
                self.num_bad_epochs += 1
            if self._in_cooldown():
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0
            if self.num_bad_epochs > self.patience:
                values = self._get_value()
                for index, (group, value) in enumerate(zip(self.optimizer.param_groups, values)):
                    if group[self.param_name] - value > self.eps:
                        group[self.param_name] = value
                        self.print_value(self.verbose, index, value)
                self.cooldown_counter = self.cooldown
                self.num_bad_epochs = 0
        self._last_value = self._current_values()

    def print_value(self, is_verbose: bool, group: int, value: float) -> None:
        if is_verbose:
            unit = "epoch" if self.by_epoch else "iter"
            print_log(
                f"Adjusting parameter value of group {group} to {value:.4e} in {unit} "
                f"{self.last_step}.",
                logger="current",
            )

    def _get_value(self) -> list[Any]:
        reduced = [
            float(group[self.param_name]) * self.factor for group in self.optimizer.param_groups
        ]
        return [max(value, floor) for value, floor in zip(reduced, self.min_values)]

    def _in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: Any, best: Any) -> bool:
        if self.rule == "less" and self.threshold_rule == "rel":
            return bool(a < best * (1.0 - self.threshold))
        if self.rule == "less" and self.threshold_rule == "abs":
            return bool(a < best - self.threshold)
        if self.rule == "greater" and self.threshold_rule == "rel":
            return bool(a > best * (self.threshold + 1.0))
        return bool(a > best + self.threshold)

    def _init_is_better(self, rule: str, threshold: float, threshold_rule: str) -> None:
        name = type(self).__name__
        if threshold < 0:
            raise OptimValueError(f"{name}: threshold should be >= 0, but got {threshold!r}")
        if rule not in _RULES:
            raise OptimValueError(f"{name}: rule should be 'less' or 'greater', but got {rule!r}")
        if threshold_rule not in _THRESHOLD_RULES:
            raise OptimValueError(
                f"{name}: threshold_rule should be 'rel' or 'abs', but got {threshold_rule!r}"
            )
        self.rule_worse = INF if rule == "less" else -INF
        self.rule = rule
        self.threshold = threshold
        self.threshold_rule = threshold_rule

    def _reset(self) -> None:
        self.best = self.rule_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
