"""Every access mmlight makes to Lightning's private internals, in one place.

Lightning keeps its loops, hook callers and logger connector private (underscored). mmlight's
training-epoch loop (``mmlight.lightning.epoch_loop``) builds on them, and the dispatcher
resizes an epoch after a mid-epoch resume. Each access below has a test in
``tests/lightning/test_compat.py``, so a Lightning upgrade that moves one fails there, by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lightning.pytorch.loops.fetchers import _DataLoaderIterDataFetcher
from lightning.pytorch.loops.training_epoch_loop import _TrainingEpochLoop
from lightning.pytorch.trainer import call

if TYPE_CHECKING:
    import lightning.pytorch as pl

__all__ = [
    "DataLoaderIterDataFetcher",
    "TrainingEpochLoop",
    "call_callback_hooks",
    "call_module_hook",
    "call_strategy_hook",
    "install_epoch_loop",
    "logger_connector",
    "resize_train_epoch",
]

TrainingEpochLoop = _TrainingEpochLoop
"""Lightning's training-epoch loop (``trainer.fit_loop.epoch_loop``)."""

DataLoaderIterDataFetcher = _DataLoaderIterDataFetcher
"""The fetcher used when ``training_step`` takes a ``dataloader_iter`` (never mmlight's)."""

call_callback_hooks = call._call_callback_hooks
call_module_hook = call._call_lightning_module_hook
call_strategy_hook = call._call_strategy_hook


def logger_connector(trainer: pl.Trainer) -> Any:
    """The connector that moves ``self.log`` values to loggers and the progress bar."""
    return trainer._logger_connector


def install_epoch_loop(trainer: pl.Trainer, loop_cls: type[_TrainingEpochLoop]) -> Any:
    """Replace this Trainer's training-epoch loop by ``loop_cls`` (same step limits); only
    this Trainer is affected."""
    old = trainer.fit_loop.epoch_loop
    loop = loop_cls(trainer, min_steps=old.min_steps, max_steps=old.max_steps)
    trainer.fit_loop.epoch_loop = loop
    return loop


def resize_train_epoch(trainer: pl.Trainer, length: int) -> None:
    """Lightning sizes training epochs once, at setup; this sizes the coming ones again."""
    trainer.fit_loop.max_batches = length
    combined = trainer.fit_loop._combined_loader
    if combined is not None:
        combined.limits = [length]
