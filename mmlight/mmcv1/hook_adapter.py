"""Run an MMCV 1.x hook as it is: its stages fire at the matching MMEngine mount points.

MMCV 1.x's ``EpochBasedRunner`` called ``before_train_epoch``/``after_train_iter``/... (whose
defaults forward to ``before_epoch``/``after_iter``/...), for train and val alike; its
``IterBasedRunner`` called ``before_epoch``/``after_epoch`` directly, once around the whole run,
and no val epoch stages. MMEngine's loops have the same moments, with the same ``runner.epoch``
and ``runner.iter`` at each (the counters move after the ``after_*`` mount point in both), so
:class:`MMCV1HookAdapter` maps point to stage and hands the 1.x hook a :class:`RunnerView`.
The runner wraps such hooks itself (see :func:`adapt`), so ``custom_hooks`` may name them.
"""

from __future__ import annotations

from typing import Any

from mmlight.hooks.hook import Hook
from mmlight.mmcv1.legacy_hook import GENERIC_METHODS, HOOK_STAGES, is_mmcv1_hook
from mmlight.mmcv1.runner_view import RunnerView, is_iter_based, view_of

__all__ = ["MMCV1HookAdapter", "adapt", "legacy_stage"]

# A stage's mode-generic fallback, for plain 1.x hook classes without the 1.x base class.
_FALLBACK = {stage: generic for generic, stages in GENERIC_METHODS.items() for stage in stages}


def legacy_stage(point: str, iter_based: bool) -> str | None:
    """The MMCV 1.x method called at MMEngine mount point ``point`` (None: nothing is)."""
    if iter_based:
        if point == "before_train_epoch":
            return "before_epoch"
        if point == "after_train_epoch":
            return "after_epoch"
        if point in ("before_val_epoch", "after_val_epoch"):
            return None
    return point if point in HOOK_STAGES else None


class MMCV1HookAdapter(Hook):
    """An MMEngine-style hook calling an MMCV 1.x hook (``self.hook``) with a runner view."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook

    @property
    def priority(self) -> Any:
        return getattr(self.hook, "priority", "NORMAL")

    @priority.setter
    def priority(self, value: Any) -> None:
        # MMCV 1.x's register_hook stored the priority on the hook itself.
        self.hook.priority = value

    def __repr__(self) -> str:
        return f"MMCV1HookAdapter({type(self.hook).__name__})"

    def _dispatch(self, point: str, runner: Any, **state: Any) -> None:
        view: RunnerView = view_of(runner)
        view.enter(point, **state)
        stage = legacy_stage(point, is_iter_based(runner))
        if stage is None:
            return
        method = getattr(self.hook, stage, None)
        if method is None and stage in _FALLBACK:
            method = getattr(self.hook, _FALLBACK[stage], None)
        if method is not None:
            method(view)
            view.flush_output()

    # -- mount points with a 1.x counterpart -----------------------------------------------
    def before_run(self, runner: Any) -> None:
        self._dispatch("before_run", runner)

    def after_run(self, runner: Any) -> None:
        self._dispatch("after_run", runner)

    def before_train_epoch(self, runner: Any) -> None:
        self._dispatch("before_train_epoch", runner)

    def after_train_epoch(self, runner: Any) -> None:
        self._dispatch("after_train_epoch", runner)

    def before_val_epoch(self, runner: Any) -> None:
        self._dispatch("before_val_epoch", runner)

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        self._dispatch("after_val_epoch", runner)

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self._dispatch("before_train_iter", runner, batch_idx=batch_idx, data_batch=data_batch)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self._dispatch(
            "after_train_iter", runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self._dispatch("before_val_iter", runner, batch_idx=batch_idx, data_batch=data_batch)

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self._dispatch(
            "after_val_iter", runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )


def adapt(obj: Any) -> MMCV1HookAdapter | None:
    """``obj`` wrapped when it is an MMCV 1.x hook; None otherwise (the runner's plug point)."""
    return MMCV1HookAdapter(obj) if is_mmcv1_hook(obj) else None
