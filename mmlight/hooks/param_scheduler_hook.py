"""``ParamSchedulerHook``: step the parameter schedulers at the right moments.

Iteration-based schedulers (``by_epoch=False``) step after every training iteration,
epoch-based ones after every training epoch, and ``ReduceOnPlateau``-style schedulers
(``need_val_args=True``) after every validation with its metrics. Running at LOW priority, it
steps after LoggerHook has logged the iteration's LR and before CheckpointHook saves, so a
checkpoint holds the post-step scheduler state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mmlight.hooks.errors import RunnerAttributeTypeError
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["ParamSchedulerHook"]


def _is_built(scheduler: Any) -> bool:
    """A scheduler object, as opposed to a config dict the runner has not built yet."""
    return not isinstance(scheduler, Mapping) and callable(getattr(scheduler, "step", None))


def _scheduler_lists(param_schedulers: Any, skip_unbuilt: bool = False) -> list[list[Any]]:
    """The runner's schedulers as lists: one list, or one per optimizer for a dict.

    With ``skip_unbuilt``, entries that are still configs (a scheduler config dict in place of
    the dict of lists, or lists of config dicts) are left out instead of rejected: a val-only
    run never builds the schedulers.
    """
    if isinstance(param_schedulers, list):
        groups = [param_schedulers]
    elif isinstance(param_schedulers, Mapping):
        groups = list(param_schedulers.values())
    else:
        groups = None
    if groups is not None and skip_unbuilt:
        return [
            group
            for group in groups
            if isinstance(group, list) and all(_is_built(item) for item in group)
        ]
    if groups is not None and all(isinstance(group, list) for group in groups):
        return groups
    raise RunnerAttributeTypeError(
        "ParamSchedulerHook: runner.param_schedulers should be list of ParamScheduler or a "
        "dict containing list of ParamScheduler (one list per optimizer name), but got "
        f"{type(param_schedulers).__name__}: {param_schedulers!r}"
    )


def _step_each(runner: Any, select: Callable[[Any], bool], *args: Any) -> None:
    if runner.param_schedulers is None:
        return
    for schedulers in _scheduler_lists(runner.param_schedulers):
        for scheduler in schedulers:
            if select(scheduler):
                scheduler.step(*args)


@HOOKS.register_module()
class ParamSchedulerHook(Hook):
    """Step ``runner.param_schedulers`` (a list, or a dict of lists for several optimizers)."""

    priority = "LOW"

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        _step_each(runner, lambda scheduler: not scheduler.by_epoch)

    def after_train_epoch(self, runner: Any) -> None:
        _step_each(runner, lambda scheduler: bool(scheduler.by_epoch))

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        # Without metrics there is nothing to react to; stepping anyway would advance the
        # scheduler's step count a second time in the same epoch.
        if runner.param_schedulers is None or metrics is None:
            return
        for schedulers in _scheduler_lists(runner.param_schedulers, skip_unbuilt=True):
            for scheduler in schedulers:
                if scheduler.by_epoch and getattr(scheduler, "need_val_args", False):
                    scheduler.step(metrics)
