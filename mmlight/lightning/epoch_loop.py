"""Lightning's training-epoch loop without the per-batch work mmlight never needs.

Lightning's ``advance`` does, on every batch, things that cost more than MMEngine's whole
loop on a small model and do nothing for an ``MMLightningModule``: it inspects
``training_step``'s signature (does it take ``batch_idx``? it always does here), converts and
moves a batch that is only a placeholder token (the real batch is fetched and moved inside
``training_step``, as MMEngine does), calls ``LightningModule`` and strategy hooks that are the
base classes' empty methods, pushes an empty result collection through the logger connector,
and asks for learning-rate scheduler steps under manual optimization (never taken).

``MMTrainingEpochLoop.advance`` runs the same sequence - fetch, progress counters, callback
hooks, the manual-optimization step, logger connector and scheduler whenever they have
something to do - and skips only those no-ops. Anything outside that case (restarting from a
Lightning checkpoint, a ``dataloader_iter`` step, automatic optimization) runs Lightning's own
``advance``. Installed per Trainer by ``build_trainer`` (``compat.install_epoch_loop``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.strategies import Strategy

from mmlight.lightning import compat
from mmlight.lightning.callback_calls import call_callbacks

__all__ = ["MMTrainingEpochLoop"]


def _overrides(obj: Any, base: type, name: str) -> bool:
    return getattr(type(obj), name, None) is not getattr(base, name)


class MMTrainingEpochLoop(compat.TrainingEpochLoop):
    """``trainer.fit_loop.epoch_loop`` for an ``MMLightningModule``."""

    _lean: bool = False

    def on_run_start(self, data_fetcher: Any) -> None:
        super().on_run_start(data_fetcher)
        trainer = self.trainer
        module = trainer.lightning_module
        strategy = trainer.strategy
        # Decided once per epoch: none of these change while batches run.
        self._lean = not module.automatic_optimization and not isinstance(
            data_fetcher, compat.DataLoaderIterDataFetcher
        )
        self._distributed = (
            torch.distributed.is_available()
            and torch.distributed.is_initialized()
            and trainer.world_size > 1
        )
        self._module_hooks = {
            name: _overrides(module, pl.LightningModule, name)
            for name in ("on_train_batch_start", "on_train_batch_end")
        }
        self._strategy_batch_start = _overrides(strategy, Strategy, "on_train_batch_start")
        self._has_schedulers = bool(trainer.lr_scheduler_configs)

    def _build_kwargs(self, kwargs: OrderedDict, batch: Any, batch_idx: int) -> OrderedDict:
        # MMLightningModule.training_step(batch, batch_idx): no signature to inspect.
        kwargs["batch"] = batch
        kwargs["batch_idx"] = batch_idx
        return kwargs

    def advance(self, data_fetcher: Any) -> None:
        if not self._lean or self.restarting:
            super().advance(data_fetcher)
            return
        from mmlight.runner.batch_source import BATCH_TOKEN

        self.val_loop.restarting = False
        if self._distributed:
            self._broadcast_sigterm_tensor()
        trainer: Any = self.trainer
        module = trainer.lightning_module
        batch, _, __ = next(data_fetcher)
        batch_idx = self.batch_idx + 1
        self.batch_progress.is_last_batch = data_fetcher.done
        if batch is not BATCH_TOKEN:  # a token needs no conversion or device transfer
            batch = trainer.precision_plugin.convert_input(batch)
            batch = compat.before_batch_transfer(module, batch)
            batch = compat.call_strategy_hook(trainer, "batch_to_device", batch, dataloader_idx=0)

        self.batch_progress.increment_ready()
        connector = compat.logger_connector(trainer)
        connector.on_batch_start(batch)

        batch_output: Any = None
        if batch is None:
            self._warning_cache.warn(
                "train_dataloader yielded None. If this was on purpose, ignore this warning..."
            )
        else:
            call_callbacks(trainer, "on_train_batch_start", batch, batch_idx)
            response = None
            if self._module_hooks["on_train_batch_start"]:
                response = compat.call_module_hook(
                    trainer, "on_train_batch_start", batch, batch_idx
                )
            if self._strategy_batch_start:
                compat.call_strategy_hook(trainer, "on_train_batch_start", batch, batch_idx)
            if response == -1:
                self.batch_progress.increment_by(0, is_last_batch=True)
                self.batch_progress.increment_processed()
                raise StopIteration
            self.batch_progress.increment_started()
            kwargs = OrderedDict(batch=batch, batch_idx=batch_idx)
            with trainer.profiler.profile("run_training_batch"):
                batch_output = self.manual_optimization.run(kwargs)

        self.batch_progress.increment_processed()
        if self._has_schedulers:  # (Lightning steps none under manual optimization)
            self.update_lr_schedulers("step", update_plateau_schedulers=False)
            if self._num_ready_batches_reached():
                self.update_lr_schedulers("epoch", update_plateau_schedulers=False)

        call_callbacks(trainer, "on_train_batch_end", batch_output, batch, batch_idx)
        if self._module_hooks["on_train_batch_end"]:
            compat.call_module_hook(trainer, "on_train_batch_end", batch_output, batch, batch_idx)
        results = self._results
        if results:  # something was logged with self.log: let the connector collect it
            connector.on_batch_end()
        else:
            results.batch = None
            results.batch_size = None
        self.batch_progress.increment_completed()
        if results:
            connector.update_train_step_metrics()
