"""Per-batch callback hooks called the way Lightning calls them, without its per-call overhead.

Lightning's hook caller builds a debug message and a profiler label for every callback on
every call, whether or not the callback overrides the hook. Per batch mmlight fires five
callback hooks (batch start/end, before/after backward, before the optimizer step), usually on
callbacks that inherit ``Callback``'s empty method. ``call_callbacks`` calls, in the Trainer's
order, only the callbacks that override the hook, with ``_current_fx_name`` set as Lightning
sets it (``self.log`` inside a callback depends on it). Under a real Lightning profiler
(``cfg.trainer.profiler``) it hands over to Lightning's caller so the profile stays complete.
"""

from __future__ import annotations

import weakref
from typing import Any

import lightning.pytorch as pl

from mmlight.lightning import compat

__all__ = ["call_callbacks"]


def _overriding(callbacks: list[Any], hook_name: str) -> list[Any]:
    default = getattr(pl.Callback, hook_name)
    return [
        callback for callback in callbacks
        if hook_name in vars(callback) or getattr(type(callback), hook_name, None) is not default
    ]


# Trainer -> {(hook name, its callbacks' ids and types): the callbacks overriding the hook}.
_plans: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], list[Any]]] = (
    weakref.WeakKeyDictionary()
)


def call_callbacks(trainer: Any, hook_name: str, *args: Any) -> None:
    """``hook_name`` on every callback of ``trainer`` that implements it, in order."""
    from mmlight.lightning.trainer_factory import _NoProfiler

    if type(trainer.profiler) is not _NoProfiler:
        compat.call_callback_hooks(trainer, hook_name, *args)
        return
    callbacks = trainer.callbacks
    plans = _plans.get(trainer)
    if plans is None:
        plans = _plans[trainer] = {}
    key = (hook_name, *map(id, callbacks), *map(type, callbacks))
    chosen = plans.get(key)
    if chosen is None:
        chosen = plans[key] = _overriding(callbacks, hook_name)
    if not chosen:
        return
    module = trainer.lightning_module
    previous = compat.current_hook_name(module)
    compat.set_current_hook_name(module, hook_name)
    for callback in chosen:
        getattr(callback, hook_name)(trainer, module, *args)
    compat.set_current_hook_name(module, previous)
