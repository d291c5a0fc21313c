"""The LightningModule that lets a ``BaseModel`` keep control of its own training step."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import lightning.pytorch as pl
import torch

from mmlight.lightning.stepper import LightningStepper
from mmlight.runner.batch_source import BATCH_TOKEN

if TYPE_CHECKING:
    from mmlight.runner.runner import Runner

__all__ = ["MMLightningModule"]


def iter_optim_wrappers(optim_wrapper: Any) -> list[Any]:
    """The wrappers inside an ``OptimWrapperDict``, or the single wrapper, in order."""
    if hasattr(optim_wrapper, "optim_wrappers"):
        return list(optim_wrapper.optim_wrappers.values())
    return [optim_wrapper]


class MMLightningModule(pl.LightningModule):
    """Manual optimization around ``BaseModel.train_step``.

    Every ``*_step`` delegates to the runner's loop ``run_iter`` so MMEngine's iteration hooks
    fire where MMEngine fires them and custom loops keep working. Batches are not moved by
    Lightning: the model's data preprocessor does that, as in MMEngine.
    """

    _runner: Runner

    def __init__(self, runner: Runner) -> None:
        super().__init__()
        self.model = runner.model
        # Not an nn.Module attribute: the runner must not become part of the state dict.
        object.__setattr__(self, "_runner", runner)
        self.automatic_optimization = False
        self._stepping_wrapper: Any = None
        self._iter_based = False

    # Plain attributes Lightning (``_current_fx_name``, around every hook call) and the stepper
    # set several times per iteration; nn.Module.__setattr__ checks for parameters, modules and
    # buffers each time, which costs more than the rest of a small model's step.
    _PLAIN_ATTRIBUTES = frozenset({"_current_fx_name", "_stepping_wrapper", "_iter_based"})

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._PLAIN_ATTRIBUTES:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    # -- optimisation ---------------------------------------------------------------------
    def configure_optimizers(self) -> Any:
        wrappers = iter_optim_wrappers(self._runner.optim_wrapper)
        return [wrapper.optimizer for wrapper in wrappers]

    def on_train_start(self) -> None:
        from mmlight.runner.loops import IterBasedTrainLoop

        # Which loop runs is fixed for the stage; training_step reads it on every batch.
        self._iter_based = isinstance(self._runner.train_loop, IterBasedTrainLoop)
        lightning_optimizers = self.optimizers(use_pl_optimizer=True)
        if not isinstance(lightning_optimizers, list):
            lightning_optimizers = [lightning_optimizers]
        for wrapper, optimizer in zip(
            iter_optim_wrappers(self._runner.optim_wrapper), lightning_optimizers, strict=True
        ):
            wrapper.bind_stepper(LightningStepper(self, optimizer))

    def on_train_end(self) -> None:
        for wrapper in iter_optim_wrappers(self._runner.optim_wrapper):
            wrapper.bind_stepper(None)

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        if self._stepping_wrapper is not None:
            self._stepping_wrapper.clip_grads()

    # -- steps -----------------------------------------------------------------------------
    def transfer_batch_to_device(
        self, batch: Any, device: torch.device, dataloader_idx: int
    ) -> Any:
        return batch

    def training_step(self, batch: Any, batch_idx: int) -> None:
        runner = self._runner
        loop = runner.train_loop
        if runner._pending_rng is not None:
            runner._restore_pending_rng("first_batch")
        if batch is BATCH_TOKEN:  # fetched now, inside the iteration, as MMEngine does
            batch = loop.batch_source.next_batch()
        if self._iter_based:
            loop.run_iter(batch)
        else:
            loop.run_iter(batch_idx + loop._batch_offset, batch)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._runner.val_loop.run_iter(batch_idx, batch)

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self._runner.test_loop.run_iter(batch_idx, batch)


# Lightning inspects ``training_step``'s signature on every batch (does it take batch_idx?);
# a precomputed signature spares it re-deriving one from the code object each time.
MMLightningModule.training_step.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    MMLightningModule.training_step
)
