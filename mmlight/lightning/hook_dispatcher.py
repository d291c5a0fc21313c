"""One Lightning callback that fires MMEngine's mount points at MMEngine's moments.

Lightning has no hook priorities and validates *before* ``on_train_epoch_end``; MMEngine sorts
hooks by priority and calls ``after_train_epoch`` *before* validation. So every MMEngine hook
lives in the runner's priority-sorted list and this single callback calls ``runner.call_hook``
from the Lightning event listed in ``MOUNT_POINT_EVENTS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightning.pytorch as pl

from mmlight.lightning.compat import resize_train_epoch

if TYPE_CHECKING:
    from mmlight.runner.runner import Runner

__all__ = ["MOUNT_POINT_EVENTS", "HookDispatcher"]

# MMEngine mount point -> where it fires. "runner" means the Runner calls it itself, outside
# the Trainer (before_run precedes weight init and checkpoint loading in MMEngine).
MOUNT_POINT_EVENTS: dict[str, str] = {
    "before_run": "runner: before init_weights / load_or_resume",
    "after_run": "runner: after the Trainer returns",
    "before_train": "Callback.on_train_start",
    "after_train": "Callback.on_train_end",
    "before_train_epoch": "Callback.on_train_epoch_start",
    "after_train_epoch": (
        "epoch-based: Callback.on_train_batch_end of the epoch's last batch (before "
        "validation); iteration-based: Callback.on_train_epoch_end"
    ),
    "before_train_iter": "LightningModule.training_step -> train_loop.run_iter",
    "after_train_iter": "LightningModule.training_step -> train_loop.run_iter",
    "before_val": "Callback.on_validation_start",
    "after_val": "Callback.on_validation_end",
    "before_val_epoch": "Callback.on_validation_epoch_start",
    "after_val_epoch": "Callback.on_validation_epoch_end (metrics computed there)",
    "before_val_iter": "LightningModule.validation_step -> val_loop.run_iter",
    "after_val_iter": "LightningModule.validation_step -> val_loop.run_iter",
    "before_test": "Callback.on_test_start",
    "after_test": "Callback.on_test_end",
    "before_test_epoch": "Callback.on_test_epoch_start",
    "after_test_epoch": "Callback.on_test_epoch_end (metrics computed there)",
    "before_test_iter": "LightningModule.test_step -> test_loop.run_iter",
    "after_test_iter": "LightningModule.test_step -> test_loop.run_iter",
    "before_save_checkpoint": "Runner.save_checkpoint",
    "after_load_checkpoint": "Runner.load_checkpoint",
}

# Lightning validates when (batch index + 1) % val_check_batch == 0; this never divides.
_NEVER = 2**62


class HookDispatcher(pl.Callback):
    """Calls the runner's hooks and applies MMEngine's validation cadence."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.metrics: dict[str, dict[str, Any]] = {}
        # Which training loop runs, decided once in on_train_start (read on every batch).
        self._iter_based = False

    # -- training -----------------------------------------------------------------------
    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        from mmlight.runner.loops import IterBasedTrainLoop

        self._iter_based = isinstance(self.runner.train_loop, IterBasedTrainLoop)
        self.runner.call_hook("before_train")
        self.runner._restore_pending_rng("train_start")

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("before_train_epoch")
        self.runner.model.train()

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        if self._iter_based:
            # MMEngine's iteration loop re-enters train mode every iteration (validation
            # may have run in between).
            self.runner.model.train()

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        loop = self.runner.train_loop
        if self._iter_based:
            loop._decide_current_val_interval(loop.iter)
            validate = loop.should_validate()
        elif batch_idx + 1 == trainer.num_training_batches:
            self.runner.call_hook("after_train_epoch")
            loop._epoch += 1
            if loop._batch_offset:  # the shortened first epoch after a mid-epoch resume
                loop._batch_offset = 0
                resize_train_epoch(trainer, len(loop.dataloader))
            loop._decide_current_val_interval(loop.epoch)
            validate = loop.should_validate()
            if loop.stop_training:
                trainer.should_stop = True
        else:
            validate = False
        trainer.val_check_batch = 1 if validate else _NEVER

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._iter_based:
            self.runner.call_hook("after_train_epoch")

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("after_train")

    # -- validation and test ----------------------------------------------------------------
    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("before_val")

    def on_validation_epoch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        self.runner.call_hook("before_val_epoch")

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end_eval_epoch("val")

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("after_val")
        # EarlyStoppingHook decides in after_val_epoch; Lightning stops after this epoch.
        if trainer.state.fn == "fit" and getattr(self.runner._train_loop, "stop_training", False):
            trainer.should_stop = True

    def on_test_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("before_test")

    def on_test_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("before_test_epoch")

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end_eval_epoch("test")

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.runner.call_hook("after_test")

    def _end_eval_epoch(self, stage: str) -> None:
        loop = self.runner.val_loop if stage == "val" else self.runner.test_loop
        metrics = loop.compute_metrics()
        self.metrics[stage] = metrics
        self.runner.call_hook(f"after_{stage}_epoch", metrics=metrics)

