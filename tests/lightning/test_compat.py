"""Each private Lightning internal mmlight uses (``mmlight.lightning.compat``) is still there."""

from __future__ import annotations

import inspect
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.loops import fetchers

from mmlight.lightning import compat


def _trainer() -> pl.Trainer:
    return pl.Trainer(
        accelerator="cpu", devices=1, max_steps=7, min_steps=2, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    )


def test_training_epoch_loop_is_the_trainers_loop_class() -> None:
    loop = _trainer().fit_loop.epoch_loop
    assert type(loop) is compat.TrainingEpochLoop
    # What MMTrainingEpochLoop.advance reads or calls on it.
    for name in ("batch_progress", "manual_optimization", "val_loop", "_results",
                 "_warning_cache"):
        assert hasattr(loop, name), name
    for name in ("advance", "on_run_start", "_build_kwargs", "_broadcast_sigterm_tensor",
                 "update_lr_schedulers", "_num_ready_batches_reached", "batch_idx"):
        assert hasattr(compat.TrainingEpochLoop, name), name
    assert list(inspect.signature(compat.TrainingEpochLoop.__init__).parameters)[1:] == [
        "trainer", "min_steps", "max_steps"]


def test_dataloader_iter_fetcher_is_a_fetcher() -> None:
    assert issubclass(compat.DataLoaderIterDataFetcher, fetchers._DataFetcher)


def test_hook_callers_take_trainer_and_hook_name() -> None:
    for caller in (compat.call_callback_hooks, compat.call_module_hook,
                   compat.call_strategy_hook):
        assert list(inspect.signature(caller).parameters)[:2] == ["trainer", "hook_name"]


def test_logger_connector_has_the_per_batch_methods() -> None:
    connector = compat.logger_connector(_trainer())
    for name in ("on_batch_start", "on_batch_end", "update_train_step_metrics"):
        assert callable(getattr(connector, name)), name


def test_install_epoch_loop_replaces_only_this_trainers_loop() -> None:
    class Loop(compat.TrainingEpochLoop):
        pass

    trainer, other = _trainer(), _trainer()
    loop = compat.install_epoch_loop(trainer, Loop)
    assert trainer.fit_loop.epoch_loop is loop and isinstance(loop, Loop)
    assert (loop.min_steps, loop.max_steps) == (2, 7)
    assert type(other.fit_loop.epoch_loop) is compat.TrainingEpochLoop


def test_resize_train_epoch_sets_the_fit_loops_length() -> None:
    trainer = _trainer()
    compat.resize_train_epoch(trainer, 3)
    assert trainer.fit_loop.max_batches == 3
    assert hasattr(trainer.fit_loop, "_combined_loader")
    combined = pl.utilities.CombinedLoader([torch.arange(8)])
    trainer.fit_loop._combined_loader = combined
    compat.resize_train_epoch(trainer, 2)
    assert combined.limits == [2]


class _Module(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        return (batch, dataloader_idx)


def test_module_internals() -> None:
    module = _Module()
    compat.set_current_hook_name(module, "on_train_batch_start")
    assert compat.current_hook_name(module) == "on_train_batch_start"
    assert module._current_fx_name == "on_train_batch_start"  # what self.log checks
    assert not compat.uses_fabric(module)
    assert compat.before_batch_transfer(module, 5) == (5, 0)  # the module's own hook


def test_step_counters_are_the_optimizers_hooks() -> None:
    from lightning.pytorch.core.optimizer import LightningOptimizer

    optimizer = LightningOptimizer(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1))
    calls: list[str] = []
    optimizer._on_before_step = lambda: calls.append("before")
    optimizer._on_after_step = lambda: calls.append("after")
    before, after = compat.step_counters(optimizer)
    before()
    after()
    assert calls == ["before", "after"]
