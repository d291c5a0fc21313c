"""``CallbackHook``: a native Lightning ``Callback`` running among MMEngine hooks.

Lightning calls its callbacks in list order, after mmlight's single dispatcher; MMEngine hooks
run by priority. Wrapping a callback in this hook gives it a priority: at each mount point it
receives the call Lightning would make at that moment (``CALLBACK_EVENTS``), with the
runner's Trainer and LightningModule. The Runner wraps every ``lightning.pytorch.Callback``
in ``custom_hooks`` this way (an instance, or a dict whose ``type`` is a dotted path, e.g.
``dict(type='lightning.pytorch.callbacks.LearningRateMonitor', priority='LOW')``).

Timing differences from a callback given to the Trainer directly:

- ``setup(stage)`` fires at the first mount point that has a Trainer (``before_train``,
  ``before_val`` or ``before_test``), not at ``before_run``: the Runner builds the Trainer
  after ``before_run`` and after loading checkpoints. ``teardown`` fires at ``after_run``.
- ``on_train_epoch_end`` fires at ``after_train_epoch``, that is *before* the epoch's
  validation (MMEngine's order); Lightning calls it after validation.
- ``on_load_checkpoint``/``load_state_dict`` fire at ``after_load_checkpoint``, which precedes
  the Trainer of the stage: ``trainer`` is the previous stage's Trainer, or None.
- Lightning's optimisation-step callbacks (``on_before_backward``, ``on_after_backward``,
  ``on_before_optimizer_step``, ``on_before_zero_grad``), sanity checks, prediction and
  ``on_exception`` have no mount point and are not called.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl

from mmlight.hooks.errors import HookArgumentTypeError
from mmlight.hooks.hook import DATA_BATCH, Hook

__all__ = ["CALLBACK_EVENTS", "CallbackHook"]

# Mount point -> the Callback methods called there, in order. "setup" runs once per Trainer
# (skipped when this Trainer already set the callback up, e.g. validation during fit);
# "state_dict"/"load_state_dict" store and restore the callback's state under
# checkpoint["callbacks"][callback.state_key], as Lightning does.
CALLBACK_EVENTS: dict[str, tuple[str, ...]] = {
    "before_run": (),  # no Trainer yet: setup is deferred to before_train/val/test
    "after_load_checkpoint": ("on_load_checkpoint", "load_state_dict"),
    "before_train": ("setup", "on_fit_start", "on_train_start"),
    "before_train_epoch": ("on_train_epoch_start",),
    "before_train_iter": ("on_train_batch_start",),
    "after_train_iter": ("on_train_batch_end",),
    "after_train_epoch": ("on_train_epoch_end",),
    "before_val": ("setup", "on_validation_start"),
    "before_val_epoch": ("on_validation_epoch_start",),
    "before_val_iter": ("on_validation_batch_start",),
    "after_val_iter": ("on_validation_batch_end",),
    "after_val_epoch": ("on_validation_epoch_end",),
    "after_val": ("on_validation_end",),
    "before_save_checkpoint": ("state_dict", "on_save_checkpoint"),
    "after_train": ("on_train_end", "on_fit_end"),
    "before_test": ("setup", "on_test_start"),
    "before_test_epoch": ("on_test_epoch_start",),
    "before_test_iter": ("on_test_batch_start",),
    "after_test_iter": ("on_test_batch_end",),
    "after_test_epoch": ("on_test_epoch_end",),
    "after_test": ("on_test_end",),
    "after_run": ("teardown",),
}

# The stage passed to setup()/teardown() when the Trainer cannot say.
_STAGE_OF = {"before_train": "fit", "before_val": "validate", "before_test": "test"}


class CallbackHook(Hook):
    """Adapt ``callback`` (a ``lightning.pytorch.Callback``) to MMEngine's mount points.

    Args:
        callback: the Lightning callback to run.
        priority: where it runs among the hooks at each mount point (a ``Priority`` name,
            member or int in 0..100).
    """

    def __init__(self, callback: pl.Callback, priority: int | str = "NORMAL") -> None:
        if not isinstance(callback, pl.Callback):
            raise HookArgumentTypeError(
                "CallbackHook wraps a lightning.pytorch.Callback, got "
                f"{type(callback).__name__}: {callback!r}"
            )
        self.callback = callback
        self.priority = priority
        self._set_up_with: Any = None  # the Trainer that last called setup()
        self._stage: Any = "fit"

    def __repr__(self) -> str:
        return f"CallbackHook({type(self.callback).__name__}, priority={self.priority!r})"

    # ------------------------------------------------------------------ dispatch
    def _fire(self, runner: Any, point: str, **kwargs: Any) -> None:
        trainer = getattr(runner, "_trainer", None)
        pl_module = runner._lightning_module()
        for name in CALLBACK_EVENTS[point]:
            _CALLS[name](self, trainer, pl_module, point, kwargs)

    def _setup(self, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        if trainer is None or trainer is self._set_up_with:
            return
        # Lightning passes its TrainerFn (a str enum: 'fit', 'validate', 'test') by keyword.
        fn = getattr(getattr(trainer, "state", None), "fn", None)
        self._stage = fn if fn is not None else _STAGE_OF[point]
        self._set_up_with = trainer
        self.callback.setup(trainer, pl_module, stage=self._stage)

    def _teardown(self, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        if self._set_up_with is None:
            return
        trainer, self._set_up_with = self._set_up_with, None
        self.callback.teardown(trainer, pl_module, stage=self._stage)

    def _state_dict(self, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        state = self.callback.state_dict()
        if state:
            kwargs["checkpoint"].setdefault("callbacks", {})[self.callback.state_key] = state

    def _load_state_dict(self, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        states = kwargs["checkpoint"].get("callbacks")
        if not states:
            return
        state = states.get(self.callback.state_key)
        if state is None:
            legacy_key = getattr(self.callback, "_legacy_state_key", None)
            state = states.get(legacy_key)
        if state:
            self.callback.load_state_dict(_confined(self.callback, copy.deepcopy(state)))

    # ------------------------------------------------------------------ mount points
    def before_run(self, runner: Any) -> None:
        self._fire(runner, "before_run")

    def after_run(self, runner: Any) -> None:
        self._fire(runner, "after_run")

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        self._fire(runner, "after_load_checkpoint", checkpoint=checkpoint)

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        self._fire(runner, "before_save_checkpoint", checkpoint=checkpoint)

    def before_train(self, runner: Any) -> None:
        self._fire(runner, "before_train")

    def after_train(self, runner: Any) -> None:
        self._fire(runner, "after_train")

    def before_val(self, runner: Any) -> None:
        self._fire(runner, "before_val")

    def after_val(self, runner: Any) -> None:
        self._fire(runner, "after_val")

    def before_test(self, runner: Any) -> None:
        self._fire(runner, "before_test")

    def after_test(self, runner: Any) -> None:
        self._fire(runner, "after_test")

    def before_train_epoch(self, runner: Any) -> None:
        self._fire(runner, "before_train_epoch")

    def before_val_epoch(self, runner: Any) -> None:
        self._fire(runner, "before_val_epoch")

    def before_test_epoch(self, runner: Any) -> None:
        self._fire(runner, "before_test_epoch")

    def after_train_epoch(self, runner: Any) -> None:
        self._fire(runner, "after_train_epoch")

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._fire(runner, "after_val_epoch", metrics=metrics)

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._fire(runner, "after_test_epoch", metrics=metrics)

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._fire(runner, "before_train_iter", batch_idx=batch_idx, data_batch=data_batch)

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._fire(runner, "before_val_iter", batch_idx=batch_idx, data_batch=data_batch)

    def before_test_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._fire(runner, "before_test_iter", batch_idx=batch_idx, data_batch=data_batch)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, outputs: Any = None
    ) -> None:
        self._fire(
            runner, "after_train_iter", batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, outputs: Any = None
    ) -> None:
        self._fire(
            runner, "after_val_iter", batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )

    def after_test_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, outputs: Any = None
    ) -> None:
        self._fire(
            runner, "after_test_iter", batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )


def _plain(name: str) -> Callable[[CallbackHook, Any, Any, str, dict], None]:
    """A call of ``callback.<name>(trainer, pl_module)``."""

    def call(hook: CallbackHook, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        getattr(hook.callback, name)(trainer, pl_module)

    return call


def _batch_start(name: str) -> Callable[[CallbackHook, Any, Any, str, dict], None]:
    def call(hook: CallbackHook, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        getattr(hook.callback, name)(trainer, pl_module, kwargs["data_batch"], kwargs["batch_idx"])

    return call


def _batch_end(name: str) -> Callable[[CallbackHook, Any, Any, str, dict], None]:
    def call(hook: CallbackHook, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        getattr(hook.callback, name)(
            trainer, pl_module, kwargs["outputs"], kwargs["data_batch"], kwargs["batch_idx"]
        )

    return call


def _with_checkpoint(name: str) -> Callable[[CallbackHook, Any, Any, str, dict], None]:
    def call(hook: CallbackHook, trainer: Any, pl_module: Any, point: str, kwargs: dict) -> None:
        getattr(hook.callback, name)(trainer, pl_module, kwargs["checkpoint"])

    return call


# How each Callback method named in CALLBACK_EVENTS is called.
_CALLS: dict[str, Callable[[CallbackHook, Any, Any, str, dict], None]] = {
    "setup": CallbackHook._setup,
    "teardown": CallbackHook._teardown,
    "state_dict": CallbackHook._state_dict,
    "load_state_dict": CallbackHook._load_state_dict,
    "on_save_checkpoint": _with_checkpoint("on_save_checkpoint"),
    "on_load_checkpoint": _with_checkpoint("on_load_checkpoint"),
    **{
        name: _batch_start(name)
        for name in ("on_train_batch_start", "on_validation_batch_start", "on_test_batch_start")
    },
    **{
        name: _batch_end(name)
        for name in ("on_train_batch_end", "on_validation_batch_end", "on_test_batch_end")
    },
    **{
        name: _plain(name)
        for name in (
            "on_fit_start",
            "on_fit_end",
            "on_train_start",
            "on_train_end",
            "on_train_epoch_start",
            "on_train_epoch_end",
            "on_validation_start",
            "on_validation_end",
            "on_validation_epoch_start",
            "on_validation_epoch_end",
            "on_test_start",
            "on_test_end",
            "on_test_epoch_start",
            "on_test_epoch_end",
        )
    },
}


# ModelCheckpoint state entries naming files the callback later deletes (a previous best,
# the k-th best, the previous last). They come from a checkpoint file, and Lightning's own
# guard (``dirpath in Path(previous).parents``) lets 'dirpath/../../x' and any URL through.
_DELETED_PATH_KEYS = ("best_model_path", "kth_best_model_path", "last_model_path")


def _confined(callback: pl.Callback, state: Any) -> Any:
    """``state`` for ``callback.load_state_dict``, with a ModelCheckpoint's paths outside its
    ``dirpath`` (after normalizing '..') left out, so a checkpoint cannot get them deleted."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    if not isinstance(callback, ModelCheckpoint) or not isinstance(state, dict):
        return state
    root = callback.dirpath
    dropped: list[str] = []
    for key in _DELETED_PATH_KEYS:
        if state.get(key) and not _inside(state[key], root):
            dropped.append(str(state[key]))
            state[key] = ""
    best_k = state.get("best_k_models")
    if isinstance(best_k, dict):
        dropped += [str(path) for path in best_k if not _inside(path, root)]
        state["best_k_models"] = {k: v for k, v in best_k.items() if _inside(k, root)}
    if dropped:
        import warnings

        warnings.warn(
            f"{type(callback).__name__}: the checkpoint's callback state names files outside "
            f"its dirpath {root!r}; they are not restored (and so never deleted): "
            f"{', '.join(map(repr, dropped))}",
            stacklevel=2,
        )
    return state


def _inside(path: Any, root: Any) -> bool:
    """Whether ``path`` lies under the folder ``root`` once '.' and '..' are resolved (a URL:
    same scheme and prefix); never for an unknown (None) root."""
    import os.path as osp
    import posixpath

    if not isinstance(path, str) or not isinstance(root, str) or not path or not root:
        return False
    if "://" in path or "://" in root:
        scheme, _, rest = path.partition("://")
        root_scheme, _, root_rest = root.partition("://")
        folder = posixpath.normpath("/" + root_rest).rstrip("/") + "/"
        return scheme == root_scheme and posixpath.normpath("/" + rest).startswith(folder)
    folder = osp.join(osp.normpath(osp.abspath(root)), "")
    return osp.normpath(osp.abspath(path)).startswith(folder)
