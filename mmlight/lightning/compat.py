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
    "before_batch_transfer",
    "call_callback_hooks",
    "call_module_hook",
    "call_strategy_hook",
    "current_hook_name",
    "install_epoch_loop",
    "logger_connector",
    "resize_train_epoch",
    "set_current_hook_name",
    "step_counters",
    "uses_fabric",
]

TrainingEpochLoop = _TrainingEpochLoop
"""Lightning's training-epoch loop (``trainer.fit_loop.epoch_loop``)."""

DataLoaderIterDataFetcher = _DataLoaderIterDataFetcher
"""The fetcher used when ``training_step`` takes a ``dataloader_iter`` (never mmlight's)."""

call_callback_hooks = call._call_callback_hooks
call_module_hook = call._call_lightning_module_hook
call_strategy_hook = call._call_strategy_hook


def current_hook_name(module: pl.LightningModule) -> str | None:
    """The hook Lightning is running on ``module`` (what ``self.log`` validates against)."""
    return module._current_fx_name


def set_current_hook_name(module: pl.LightningModule, name: str | None) -> None:
    module._current_fx_name = name


def before_batch_transfer(module: pl.LightningModule, batch: Any) -> Any:
    """The module's ``on_before_batch_transfer`` as Lightning's loop applies it."""
    return module._on_before_batch_transfer(batch, dataloader_idx=0)


def uses_fabric(module: pl.LightningModule) -> bool:
    """Whether ``module`` runs under Fabric (its backward then goes through Fabric)."""
    return getattr(module, "_fabric", None) is not None


def step_counters(lightning_optimizer: Any) -> tuple[Any, Any]:
    """The callables a ``LightningOptimizer`` runs around ``step`` (the manual-optimization
    loop installs its step counters there; ``trainer.global_step`` reads them)."""
    return lightning_optimizer._on_before_step, lightning_optimizer._on_after_step


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
