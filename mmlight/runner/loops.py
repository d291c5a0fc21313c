"""MMEngine's loop classes, with Lightning driving the iteration.

A loop here keeps what MMEngine code reads and overrides - its dataloader, counters
(``epoch``, ``iter``, ``max_epochs``, ``max_iters``), validation cadence and ``run_iter`` -
while Lightning's ``Trainer`` owns the ``for`` loops. ``run_iter`` is called from the
LightningModule's ``*_step``, so a custom loop registered in ``LOOPS`` that overrides it
(say, to train each batch twice) keeps working. ``run()`` hands the whole stage to Lightning
through the runner.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from mmlight.registry import LOOPS
from mmlight.runner.batch_source import BatchSource
from mmlight.runner.batch_source import (  # mmengine's import path for it
    _InfiniteDataloaderIterator as _InfiniteDataloaderIterator,
)
from mmlight.runner.config_checks import require_valid
from mmlight.runner.data_checks import require_batches
from mmlight.runner.nonfinite import NonFiniteLossGuard

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

    from mmlight.evaluator import Evaluator
    from mmlight.runner.runner import Runner

__all__ = [
    "BaseLoop",
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "TestLoop",
    "ValLoop",
    "calc_dynamic_intervals",
]


def calc_dynamic_intervals(
    start_interval: int, dynamic_interval_list: Sequence[tuple[int, int]] | None = None
) -> tuple[list[int], list[int]]:
    """Milestones and the validation interval in force from each one on."""
    if dynamic_interval_list is None:
        return [0], [start_interval]
    pairs = sorted(dynamic_interval_list, key=lambda pair: pair[0])
    milestones = [0, *[int(m) for m, _ in pairs]]
    intervals = [start_interval, *[int(i) for _, i in pairs]]
    return milestones, intervals


class BaseLoop:
    """A stage's dataloader plus the runner it reports to."""

    def __init__(self, runner: Runner, dataloader: DataLoader | dict) -> None:
        self._runner = runner
        if isinstance(dataloader, dict):
            diff_rank_seed = runner._randomness_cfg.get("diff_rank_seed", False)
            self.dataloader = runner.build_dataloader(
                dataloader, seed=runner.seed, diff_rank_seed=diff_rank_seed,
                cfg_key=self._cfg_key,
            )
        else:
            self.dataloader = dataloader
        # A stage over no batch would "succeed" doing nothing: refuse it before it starts.
        require_batches(self.dataloader, self._cfg_key, getattr(runner, "world_size", 1))

    _cfg_key = "dataloader"

    @property
    def runner(self) -> Runner:
        return self._runner

    def run(self) -> Any:
        """Run the stage on Lightning (the runner builds the Trainer)."""
        raise NotImplementedError


class _TrainLoop(BaseLoop):
    """Counters, validation cadence and the iteration body shared by both training loops."""

    _cfg_key = "train_dataloader"
    batch_source: BatchSource
    _loss_guard: NonFiniteLossGuard | None = None

    def _init_progress(
        self,
        max_epochs: int,
        max_iters: int,
        val_begin: int,
        val_interval: int,
        dynamic_intervals: list[tuple[int, int]] | None,
    ) -> None:
        require_valid("train_cfg.val_interval", val_interval)
        require_valid("train_cfg.val_begin", val_begin)
        if dynamic_intervals is not None:
            require_valid("train_cfg.dynamic_intervals", dynamic_intervals)
        self._max_epochs = max_epochs
        self._max_iters = max_iters
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(
            val_interval, dynamic_intervals
        )

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    def _decide_current_val_interval(self, progress: int) -> None:
        step = bisect.bisect(self.dynamic_milestones, progress + 1)
        self.val_interval = self.dynamic_intervals[step - 1]

    def _should_validate_after(self, progress: int, last: int) -> bool:
        """MMEngine's rule for the epoch or iteration count ``progress`` just reached."""
        if self.runner._val_loop is None:
            return False
        return progress >= self.val_begin and (
            progress % self.val_interval == 0 or progress == last
        )

    def run(self) -> torch.nn.Module:
        from mmlight.runner.failure_context import failures_located

        with failures_located(self.runner, "train"):  # a failure names its place and time
            return self.runner._fit()

    def _train_iteration(self, batch_idx: int, data_batch: Any) -> None:
        """One training iteration, with its hooks; Lightning calls it from ``training_step``."""
        runner = self.runner
        runner.call_hook("before_train_iter", batch_idx=batch_idx, data_batch=data_batch)
        model: Any = runner.model
        outputs = model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
        # Before after_train_iter: no hook (CheckpointHook above all) may see a broken state.
        guard = self._loss_guard
        if guard is None:
            guard = self._loss_guard = NonFiniteLossGuard.for_runner(runner)
        guard.check(outputs, lambda: self._position(batch_idx))
        runner.call_hook(
            "after_train_iter", batch_idx=batch_idx, data_batch=data_batch, outputs=outputs
        )
        self._iter += 1

    def _position(self, batch_idx: int) -> str:
        """Where training is, in words and as the log line shows it (for error messages)."""
        raise NotImplementedError


@LOOPS.register_module()
class EpochBasedTrainLoop(_TrainLoop):
    """Train for ``max_epochs`` passes over the dataloader; validate between epochs."""

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        max_epochs: int,
        val_begin: int = 1,
        val_interval: int = 1,
        dynamic_intervals: list[tuple[int, int]] | None = None,
    ) -> None:
        super().__init__(runner, dataloader)
        require_valid("train_cfg.max_epochs", max_epochs)
        epochs = int(max_epochs)
        self._init_progress(
            epochs, epochs * len(self.dataloader), val_begin, val_interval, dynamic_intervals
        )
        self.batch_source = BatchSource(self.dataloader)
        # Batches of the current epoch trained before a mid-epoch resume (hooks see the
        # batch index the uninterrupted run would have).
        self._batch_offset = 0

    def should_validate(self) -> bool:
        """MMEngine's rule, asked once ``_epoch`` counts the epoch just finished."""
        return self._should_validate_after(self._epoch, self._max_epochs)

    def run_iter(self, idx: int, data_batch: Any) -> None:
        self._train_iteration(idx, data_batch)

    def _position(self, batch_idx: int) -> str:
        epoch, inner, per_epoch = self._epoch + 1, batch_idx + 1, len(self.dataloader)
        return (
            f"epoch {epoch}, iteration {inner} of the epoch (iteration {self._iter + 1} "
            f"overall; Epoch(train) [{epoch}][{inner}/{per_epoch}] as the log counts)"
        )


@LOOPS.register_module()
class IterBasedTrainLoop(_TrainLoop):
    """Train for ``max_iters`` iterations; validate every ``val_interval`` iterations."""

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        max_iters: int,
        val_begin: int = 1,
        val_interval: int = 1000,
        dynamic_intervals: list[tuple[int, int]] | None = None,
    ) -> None:
        super().__init__(runner, dataloader)
        require_valid("train_cfg.max_iters", max_iters)
        self._init_progress(1, int(max_iters), val_begin, val_interval, dynamic_intervals)
        self.dataloader_iterator: BatchSource = BatchSource(self.dataloader, endless=True)
        self.batch_source.open()  # when MMEngine does: random numbers are drawn in its order

    @property
    def batch_source(self) -> BatchSource:  # type: ignore[override]
        """``dataloader_iterator``, so code that replaces it (as mmengine code may) is
        fetched from."""
        return self.dataloader_iterator

    def should_validate(self) -> bool:
        """MMEngine's rule, asked once ``_iter`` counts the iteration just finished."""
        return self._should_validate_after(self._iter, self._max_iters)

    def run_iter(self, data_batch: Any) -> None:
        self._train_iteration(self._iter, data_batch)

    def _position(self, batch_idx: int) -> str:
        step = self._iter + 1
        total = self._max_iters
        return f"iteration {step} of {total} (Iter(train) [{step}/{total}] as the log counts)"


class _EvalLoop(BaseLoop):
    """Shared body of ValLoop and TestLoop: feed outputs to the evaluator, with hooks."""

    _stage = "val"

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        evaluator: Evaluator | dict | list,
        fp16: bool = False,
    ) -> None:
        super().__init__(runner, dataloader)
        from mmlight.evaluator.evaluator_bases import is_evaluator

        if isinstance(evaluator, (dict, list)):
            self.evaluator = runner.build_evaluator(evaluator, cfg_key=f"{self._stage}_evaluator")
        elif is_evaluator(evaluator):  # mmlight's, or (with the bridge) mmengine's
            self.evaluator = evaluator
        else:
            raise TypeError(
                f"{self._stage}_evaluator must be a dict, a list or an Evaluator, "
                f"got {type(evaluator).__name__}"
            )
        dataset = getattr(self.dataloader, "dataset", None)
        if dataset is not None and hasattr(dataset, "metainfo"):
            self.evaluator.dataset_meta = dataset.metainfo
        self.fp16 = fp16

    def run(self) -> dict:
        from mmlight.runner.failure_context import failures_located

        with failures_located(self.runner, self._stage):  # a failure names its place and time
            return self.runner._evaluate(self._stage)

    def compute_metrics(self) -> dict:
        """Metrics over the whole dataset, gathered across ranks without padding."""
        return self.evaluator.evaluate(len(self.dataloader.dataset))

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        runner = self.runner
        stage = self._stage
        runner.call_hook(f"before_{stage}_iter", batch_idx=idx, data_batch=data_batch)
        model: Any = runner.model
        step = model.val_step if stage == "val" else model.test_step
        with torch.autocast(device_type=_device_type(model), enabled=self.fp16):
            outputs = step(data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        runner.call_hook(
            f"after_{stage}_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


def _device_type(model: torch.nn.Module) -> str:
    parameter = next(model.parameters(), None)
    return parameter.device.type if parameter is not None else "cpu"


@LOOPS.register_module()
class ValLoop(_EvalLoop):
    """Validation over ``val_dataloader`` with ``val_evaluator``."""

    _stage = "val"
    _cfg_key = "val_dataloader"


@LOOPS.register_module()
class TestLoop(_EvalLoop):
    """Test over ``test_dataloader`` with ``test_evaluator``."""

    _stage = "test"
    _cfg_key = "test_dataloader"
