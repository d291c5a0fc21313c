"""The Runner's hooks: registration by priority, MMEngine's ``default_hooks`` merge, dispatch.

A mixin so ``Runner`` keeps MMEngine's method names (``register_hook``, ``call_hook``, ...)
while this concept lives in one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmlight.registry import HOOKS, config_key_path

__all__ = ["HookRegistryMixin"]


class HookRegistryMixin:
    """Hooks sorted by priority (ties in registration order), called by mount point."""

    _hooks: list[Any]

    @property
    def hooks(self) -> list[Any]:
        return self._hooks

    def get_hooks_info(self) -> str:
        """Each mount point with its hooks in call order, as MMEngine's Runner logs it."""
        from mmlight.hooks.mount_points import MOUNT_POINTS
        from mmlight.runner.run_report import hooks_text

        return hooks_text(self._hooks, MOUNT_POINTS)

    def register_hook(self, hook: Any, priority: int | str | None = None) -> None:
        from mmlight.hooks.hook_bases import is_hook
        from mmlight.hooks.priority import get_priority

        if isinstance(hook, Mapping):
            cfg = dict(hook)
            if "priority" in cfg:
                hook_priority = cfg.pop("priority")
                priority = hook_priority if priority is None else priority
            hook_obj = HOOKS.build(cfg)
        else:
            hook_obj = hook
        if not is_hook(hook_obj):  # mmlight's Hook, or mmengine's with the bridge active
            from mmlight.hooks.hook_adapters import adapt_hook

            adapted = adapt_hook(hook_obj)  # e.g. an MMCV 1.x hook
            hook_obj = adapted if adapted is not None else _wrap_lightning_callback(hook_obj)
        if priority is not None:
            hook_obj.priority = priority
        value = get_priority(hook_obj.priority)
        # Stable insert: after the last hook with priority <= value (ties keep registration order).
        position = len(self._hooks)
        while position > 0 and get_priority(self._hooks[position - 1].priority) > value:
            position -= 1
        self._hooks.insert(position, hook_obj)

    def register_default_hooks(self, hooks: dict | None = None) -> None:
        defaults: dict[str, Any] = dict(
            runtime_info=dict(type="RuntimeInfoHook"),
            timer=dict(type="IterTimerHook"),
            sampler_seed=dict(type="DistSamplerSeedHook"),
            logger=dict(type="LoggerHook"),
            param_scheduler=dict(type="ParamSchedulerHook"),
            checkpoint=dict(type="CheckpointHook", interval=1),
        )
        if hooks is not None:
            for name, hook in hooks.items():
                if name in defaults and hook is None:
                    defaults.pop(name)
                else:
                    defaults[name] = hook
        for name, hook in defaults.items():
            if hook is None:
                continue
            with config_key_path(f"default_hooks.{name}"):
                self.register_hook(hook)

    def register_custom_hooks(self, hooks: list) -> None:
        for index, hook in enumerate(hooks):
            with config_key_path(f"custom_hooks[{index}]"):
                self.register_hook(hook)

    def register_hooks(
        self, default_hooks: dict | None = None, custom_hooks: list | None = None
    ) -> None:
        self.register_default_hooks(default_hooks)
        if custom_hooks is not None:
            self.register_custom_hooks(custom_hooks)

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        """Call ``fn_name`` on every hook in priority order.

        Hooks that inherit the base class's empty method are skipped (per-iteration mount
        points run thousands of times). An exception keeps its type (user code may catch it)
        and gains a note naming the hook class and the mount point.
        """
        for hook in self._hooks_overriding(fn_name):
            try:
                getattr(hook, fn_name)(self, **kwargs)
            except Exception as error:
                note = f"raised by {type(hook).__name__}.{fn_name} (a hook of the Runner)"
                if hasattr(error, "add_note") and note not in getattr(error, "__notes__", ()):
                    error.add_note(note)
                raise

    def _hooks_overriding(self, fn_name: str) -> list[Any]:
        key = tuple(map(id, self._hooks))
        plan: tuple[tuple[int, ...], dict[str, list[Any]]] | None = getattr(
            self, "_hook_plan", None
        )
        if plan is None or plan[0] != key:
            plan = (key, {})
            self._hook_plan = plan
        hooks = plan[1].get(fn_name)
        if hooks is None:
            from mmlight.hooks.hook_bases import hook_base_of

            # Hook's epoch and iteration methods forward to _before_epoch, _after_iter, ...
            # (mmlight's and mmengine's alike); what a hook inherits from its base is a no-op.
            names = [fn_name]
            for kind in ("epoch", "iter"):
                if fn_name.endswith(f"_{kind}"):
                    names.append(f"_{fn_name.split('_', 1)[0]}_{kind}")
            # A custom mount point (a custom loop's call_hook('before_warmup_iter')) reaches
            # only the hooks that have that method, as in mmengine.
            hooks = [hook for hook in self._hooks if hasattr(hook, fn_name) and any(
                name in vars(hook)
                or getattr(type(hook), name, None) is not getattr(hook_base_of(hook), name, None)
                for name in names
            )]
            plan[1][fn_name] = hooks
        return hooks


def _wrap_lightning_callback(obj: Any) -> Any:
    """A native ``lightning.pytorch.Callback`` joins the hooks through an adapter hook."""
    import lightning.pytorch as pl

    if not isinstance(obj, pl.Callback):
        raise TypeError(
            "hook should be an instance of Hook or dict: a hook must be an mmlight (or mmengine) "
            f"Hook, a lightning.pytorch.Callback or a config dict, got {type(obj).__name__}"
        )
    from mmlight.lightning.callback_hook import CallbackHook

    return CallbackHook(obj)
