"""``EarlyStoppingHook``: stop training once a validation metric stops improving."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from mmlight.hooks.errors import (
    HookArgumentError,
    HookArgumentTypeError,
    RunnerAttributeError,
    did_you_mean,
)
from mmlight.hooks.hook import Hook
from mmlight.registry import HOOKS

__all__ = ["EarlyStoppingHook"]

_RULES = ("greater", "less")


@HOOKS.register_module()
class EarlyStoppingHook(Hook):
    """Set ``runner.train_loop.stop_training`` when ``monitor`` has stopped improving.

    After each validation, a score counts as an improvement when it beats the best one so far
    by more than ``min_delta``. Training stops after ``patience`` validations in a row without
    improvement, at once when the score is NaN or infinite (``check_finite``), or when it gets
    past ``stopping_threshold``. The train loop finishes its current epoch's bookkeeping and
    then ends.

    Args:
        monitor: the metric key to watch, as it appears in the validation metrics.
        rule: ``'greater'`` or ``'less'`` (which direction is better). None infers it from
            ``monitor``: accuracy-like names (acc, top, AR@, auc, precision, mAP, mDice, mIoU,
            mAcc, aAcc) are 'greater', names containing 'loss' are 'less'.
        min_delta: smallest change that counts as an improvement.
        strict: raise instead of warn when ``monitor`` is missing from the metrics.
        check_finite: stop when the score becomes NaN or infinite.
        patience: validations without improvement to put up with before stopping.
        stopping_threshold: stop as soon as the score is better than this.
    """

    priority = "LOWEST"

    rule_map: ClassVar[dict[str, Callable[[Any, Any], bool]]] = {
        "greater": lambda x, y: x > y,
        "less": lambda x, y: x < y,
    }
    _default_greater_keys: ClassVar[list[str]] = [
        "acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc",
    ]  # fmt: skip
    _default_less_keys: ClassVar[list[str]] = ["loss"]

    def __init__(
        self,
        monitor: str,
        rule: str | None = None,
        min_delta: float = 0.1,
        strict: bool = False,
        check_finite: bool = True,
        patience: int = 5,
        stopping_threshold: float | None = None,
    ) -> None:
        if not isinstance(monitor, str):
            raise HookArgumentTypeError(
                "EarlyStoppingHook: monitor must be the name of a validation metric (a str), "
                f"but got {type(monitor).__name__}: {monitor!r}"
            )
        if not monitor:
            raise HookArgumentError(
                "EarlyStoppingHook: monitor is empty; give the name of a validation metric"
            )
        if rule is None:
            rule = self._init_rule(monitor)
        elif rule not in _RULES:
            raise HookArgumentError(
                f"EarlyStoppingHook: rule must be 'greater' or 'less' (or None to infer it "
                f"from monitor), but got {rule!r}{did_you_mean(str(rule), _RULES)}"
            )
        _check_number("min_delta", min_delta)
        _check_number("patience", patience)
        if patience < 0:
            raise HookArgumentError(f"EarlyStoppingHook: patience must be >= 0, but got {patience}")
        if stopping_threshold is not None:
            _check_number("stopping_threshold", stopping_threshold)
        self.monitor = monitor
        self.rule = rule
        # Stored signed, so "best + min_delta" is the bar to beat for both rules.
        self.min_delta = min_delta if rule == "greater" else -1 * min_delta
        self.strict = strict
        self.check_finite = check_finite
        self.patience = patience
        self.stopping_threshold = stopping_threshold
        self.wait_count = 0
        self.best_score = -math.inf if rule == "greater" else math.inf

    def _init_rule(self, monitor: str) -> str:
        """'greater' or 'less' from the metric name: exact matches first, then substrings."""
        greater = {key.lower() for key in self._default_greater_keys}
        less = {key.lower() for key in self._default_less_keys}
        name = monitor.lower()
        if name in greater:
            return "greater"
        if name in less:
            return "less"
        if any(key in name for key in greater):
            return "greater"
        if any(key in name for key in less):
            return "less"
        raise HookArgumentError(
            f"EarlyStoppingHook: cannot tell whether a larger or smaller {monitor!r} is better; "
            "set rule='greater' or rule='less' (it is inferred only for names containing "
            f"{', '.join(self._default_greater_keys)} (greater) or "
            f"{', '.join(self._default_less_keys)} (less))"
        )

    def _check_stop_condition(self, current_score: float) -> tuple[bool, str]:
        """Update the best score and patience counter; say whether and why to stop."""
        better = self.rule_map[self.rule]
        if self.check_finite and not math.isfinite(current_score):
            return True, (
                f"Monitored metric {self.monitor} = {current_score} is not finite. "
                f"Previous best value was {self.best_score:.3f}."
            )
        if self.stopping_threshold is not None and better(current_score, self.stopping_threshold):
            self.best_score = current_score
            return True, (
                f"Stopping threshold reached: `{self.monitor}` = {current_score} is "
                f"{self.rule} than {self.stopping_threshold}."
            )
        if better(self.best_score + self.min_delta, current_score):
            self.wait_count += 1
            if self.wait_count >= self.patience:
                return True, (
                    f"the monitored metric did not improve in the last {self.wait_count} "
                    f"records. best score: {self.best_score:.3f}. "
                )
            return False, ""
        self.best_score = current_score
        self.wait_count = 0
        return False, ""

    def before_run(self, runner: Any) -> None:
        if not hasattr(runner.train_loop, "stop_training"):
            raise RunnerAttributeError(
                f"EarlyStoppingHook needs a train loop with a `stop_training` attribute, but "
                f"{type(runner.train_loop).__name__} has none; use a loop derived from "
                "EpochBasedTrainLoop/IterBasedTrainLoop or add the attribute to yours"
            )

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        metrics = {} if metrics is None else metrics
        if self.monitor not in metrics:
            available = ", ".join(map(repr, metrics)) or "none"
            hint = did_you_mean(self.monitor, map(str, metrics))
            if self.strict:
                raise RuntimeError(
                    f"EarlyStoppingHook: monitor {self.monitor!r} is not among the validation "
                    f"metrics (available: {available}){hint}; fix monitor or set strict=False "
                    "to skip early stopping when it is missing"
                )
            warnings.warn(
                f"EarlyStoppingHook: skipped, monitor {self.monitor!r} is not among the "
                f"validation metrics (available: {available}){hint}",
                UserWarning,
                stacklevel=2,
            )
            return
        stop, message = self._check_stop_condition(metrics[self.monitor])
        if stop:
            runner.train_loop.stop_training = True
            runner.logger.info(message)


def _check_number(name: str, value: Any) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise HookArgumentTypeError(
            f"EarlyStoppingHook: {name} must be a number, but got {type(value).__name__}: {value!r}"
        )
