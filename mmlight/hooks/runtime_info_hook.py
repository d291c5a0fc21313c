"""``RuntimeInfoHook``: keeps the message hub in step with the loops.

Components that never see the runner (LogProcessor, visualisers, metrics) read the current
epoch, iteration, learning rate and losses from ``runner.message_hub``; this hook, which runs
before all default hooks (VERY_HIGH), is what writes them there.
"""

from __future__ import annotations

from typing import Any

from mmlight.hooks.errors import RunnerAttributeTypeError
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["RuntimeInfoHook"]


def _is_scalar(value: Any) -> bool:
    """A number, or an array/tensor holding exactly one number (logged as a scalar)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return bool(value.size == 1)
    if isinstance(value, (int, float, np.number)):
        return True
    import torch

    return isinstance(value, torch.Tensor) and value.numel() == 1


def _mmlight_version() -> str:
    from mmlight import __version__

    return __version__


@HOOKS.register_module()
class RuntimeInfoHook(Hook):
    """Write loop progress, learning rates, losses and metrics into ``runner.message_hub``.

    Info keys: ``cfg``, ``seed``, ``experiment_name``, ``mmlight_version`` (once per run),
    ``loop_stage``, ``epoch``, ``iter``, ``max_epochs``, ``max_iters``, ``dataset_meta``.
    Scalars: ``train/<lr name>`` before each iteration, ``train/<key>`` for each entry of the
    train step's outputs, ``val/<metric>`` and ``test/<metric>`` (non-scalar metrics go to info).
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        # The loop stage to restore when a validation run inside training ends.
        self.last_loop_stage: str | None = None

    def before_run(self, runner: Any) -> None:
        cfg = runner.cfg
        runner.message_hub.update_info_dict(
            dict(
                cfg=getattr(cfg, "pretty_text", cfg),
                seed=runner.seed,
                experiment_name=runner.experiment_name,
                mmlight_version=_mmlight_version(),
            )
        )
        self.last_loop_stage = None

    def before_train(self, runner: Any) -> None:
        hub = runner.message_hub
        hub.update_info("loop_stage", "train")
        hub.update_info("epoch", runner.epoch)
        hub.update_info("iter", runner.iter)
        hub.update_info("max_epochs", runner.max_epochs)
        hub.update_info("max_iters", runner.max_iters)
        dataset: Any = getattr(runner.train_dataloader, "dataset", None)
        if hasattr(dataset, "metainfo"):
            hub.update_info("dataset_meta", dataset.metainfo)

    def after_train(self, runner: Any) -> None:
        runner.message_hub.pop_info("loop_stage")

    def before_train_epoch(self, runner: Any) -> None:
        runner.message_hub.update_info("epoch", runner.epoch)

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        # Recorded before the step, so the LR logged for an iteration is the one it used.
        runner.message_hub.update_info("iter", runner.iter)
        lrs = runner.optim_wrapper.get_lr()
        if not isinstance(lrs, dict):
            raise RunnerAttributeTypeError(
                "RuntimeInfoHook: runner.optim_wrapper.get_lr() must return a dict mapping "
                "names to lists of learning rates (as OptimWrapper and OptimWrapperDict do), "
                f"but {type(runner.optim_wrapper).__name__}.get_lr() returned "
                f"{type(lrs).__name__}: {lrs!r}; check that the optimizer wrapper constructor "
                "returns an OptimWrapper or OptimWrapperDict"
            )
        for name, values in lrs.items():
            runner.message_hub.update_scalar(f"train/{name}", values[0])

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if outputs is None:
            return
        for key, value in outputs.items():
            runner.message_hub.update_scalar(f"train/{key}", value)

    def before_val(self, runner: Any) -> None:
        self.last_loop_stage = runner.message_hub.get_info("loop_stage")
        runner.message_hub.update_info("loop_stage", "val")

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._record_metrics(runner, "val", metrics)

    def after_val(self, runner: Any) -> None:
        # Validation inside training hands the stage back to 'train'; a standalone one clears it.
        if self.last_loop_stage == "train":
            runner.message_hub.update_info("loop_stage", "train")
            self.last_loop_stage = None
        else:
            runner.message_hub.pop_info("loop_stage")

    def before_test(self, runner: Any) -> None:
        runner.message_hub.update_info("loop_stage", "test")

    def after_test(self, runner: Any) -> None:
        runner.message_hub.pop_info("loop_stage")

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._record_metrics(runner, "test", metrics)

    @staticmethod
    def _record_metrics(runner: Any, mode: str, metrics: dict[str, Any] | None) -> None:
        if metrics is None:
            return
        for key, value in metrics.items():
            if _is_scalar(value):
                runner.message_hub.update_scalar(f"{mode}/{key}", value)
            else:
                runner.message_hub.update_info(f"{mode}/{key}", value)
