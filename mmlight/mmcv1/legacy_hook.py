"""MMCV 1.x's hook contract: its base class (for 1.x hooks ported without mmcv 1.x) and the test
that tells such a hook from an MMEngine one.

A 1.x hook has ten stages, each taking only ``runner``; the train/val epoch and iteration stages
fall back to the mode-generic ``before_epoch``/``after_iter``/... MMEngine's mount points take
``batch_idx``/``data_batch``/``outputs`` and have no mode-generic public methods, so the two are
told apart by the methods a class defines.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

__all__ = ["GENERIC_METHODS", "HOOK_STAGES", "Hook", "is_mmcv1_hook"]

#: MMCV 1.x's stages, in its order.
HOOK_STAGES: tuple[str, ...] = (
    "before_run",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "before_val_epoch",
    "before_val_iter",
    "after_val_iter",
    "after_val_epoch",
    "after_run",
)
#: The mode-generic methods and the stages that reach them through the 1.x base class.
GENERIC_METHODS: dict[str, tuple[str, str]] = {
    "before_epoch": ("before_train_epoch", "before_val_epoch"),
    "after_epoch": ("after_train_epoch", "after_val_epoch"),
    "before_iter": ("before_train_iter", "before_val_iter"),
    "after_iter": ("after_train_iter", "after_val_iter"),
}


class Hook:
    """MMCV 1.x's ``mmcv.runner.Hook`` semantics: every stage a no-op or a forward to the
    mode-generic method, plus the trigger helpers 1.x hooks use."""

    stages = HOOK_STAGES

    def before_run(self, runner: Any) -> None:
        pass

    def after_run(self, runner: Any) -> None:
        pass

    def before_epoch(self, runner: Any) -> None:
        pass

    def after_epoch(self, runner: Any) -> None:
        pass

    def before_iter(self, runner: Any) -> None:
        pass

    def after_iter(self, runner: Any) -> None:
        pass

    def before_train_epoch(self, runner: Any) -> None:
        self.before_epoch(runner)

    def before_val_epoch(self, runner: Any) -> None:
        self.before_epoch(runner)

    def after_train_epoch(self, runner: Any) -> None:
        self.after_epoch(runner)

    def after_val_epoch(self, runner: Any) -> None:
        self.after_epoch(runner)

    def before_train_iter(self, runner: Any) -> None:
        self.before_iter(runner)

    def before_val_iter(self, runner: Any) -> None:
        self.before_iter(runner)

    def after_train_iter(self, runner: Any) -> None:
        self.after_iter(runner)

    def after_val_iter(self, runner: Any) -> None:
        self.after_iter(runner)

    def every_n_epochs(self, runner: Any, n: int) -> bool:
        return (runner.epoch + 1) % n == 0 if n > 0 else False

    def every_n_inner_iters(self, runner: Any, n: int) -> bool:
        return (runner.inner_iter + 1) % n == 0 if n > 0 else False

    def every_n_iters(self, runner: Any, n: int) -> bool:
        return (runner.iter + 1) % n == 0 if n > 0 else False

    def end_of_epoch(self, runner: Any) -> bool:
        return bool(runner.inner_iter + 1 == len(runner.data_loader))

    def is_last_epoch(self, runner: Any) -> bool:
        return bool(runner.epoch + 1 == runner._max_epochs)

    def is_last_iter(self, runner: Any) -> bool:
        return bool(runner.iter + 1 == runner._max_iters)

    def get_triggered_stages(self) -> list[str]:
        """The stages this hook's class changes (directly or through a mode-generic method)."""
        triggered = {s for s in HOOK_STAGES if _overrides(self, s)}
        for method, stages in GENERIC_METHODS.items():
            if _overrides(self, method):
                triggered.update(stages)
        return [stage for stage in HOOK_STAGES if stage in triggered]


def _overrides(hook: Any, name: str) -> bool:
    return getattr(type(hook), name, None) is not getattr(Hook, name)


def _mmcv1_base() -> type | None:
    """``mmcv.runner.Hook`` when an MMCV 1.x is already imported (never imports mmcv)."""
    module = sys.modules.get("mmcv.runner")
    base = getattr(module, "Hook", None) if module is not None else None
    return base if isinstance(base, type) else None


def is_mmcv1_hook(obj: Any) -> bool:
    """Whether ``obj`` follows MMCV 1.x's hook contract: an instance of this module's ``Hook``
    or of ``mmcv.runner.Hook``, or a plain object (no MMEngine-style base; the caller rules
    those out) defining one of the 1.x stages or mode-generic methods."""
    if isinstance(obj, (type, Hook)):
        return isinstance(obj, Hook)
    from mmlight.hooks.hook_bases import is_hook

    if is_hook(obj):  # an MMEngine-style hook (mmlight's or mmengine's base)
        return False
    base = _mmcv1_base()
    if base is not None and isinstance(obj, base):
        return True
    pl = sys.modules.get("lightning.pytorch")
    if pl is not None and isinstance(obj, pl.Callback):
        return False
    if _engine_style(type(obj)):
        return False
    names = (*HOOK_STAGES, *GENERIC_METHODS)
    return any(callable(getattr(type(obj), name, None)) for name in names)


def _engine_style(cls: type) -> bool:
    """An MMEngine-generation hook class (an mmengine ``Hook`` whose bridge is not active, or
    one whose iteration methods take ``batch_idx``): not to be wrapped as a 1.x hook."""
    if any(base.__module__.split(".")[0] == "mmengine" for base in cls.__mro__):
        return True
    for name in ("before_train_iter", "after_train_iter", "before_val_iter", "after_val_iter"):
        method = getattr(cls, name, None)
        if callable(method):
            try:
                if "batch_idx" in inspect.signature(method).parameters:
                    return True
            except (TypeError, ValueError):
                continue
    return False
