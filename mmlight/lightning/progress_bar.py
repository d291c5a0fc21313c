"""A terminal progress bar that counts as MMEngine's log counts and shows what the log shows.

Lightning's bar numbers epochs from 0, restarts at 0 after a resume (mmlight hands the Trainer
only the epochs that remain) and shows a whole iteration-based run as "Epoch 0"; its metrics
column is empty because MMEngine runs report through the message hub, not ``self.log``.
:class:`MMEngineProgressBar` reads both from the run instead:

- epoch-based: ``Epoch 3/12`` (1-based, like ``Epoch(train) [3][...]`` in the log), the bar
  over the epoch's iterations;
- iteration-based: ``Iter`` with the bar over ``iter/max_iters`` (resumed runs start part-full);
- the metrics column: the latest training losses and learning rate and the last validation
  metrics, read from ``runner.message_hub``.

It is on only where Lightning's would be (a terminal, rank 0): :mod:`mmlight.lightning.progress`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

from lightning.pytorch.callbacks import TQDMProgressBar

__all__ = ["MMEngineProgressBar", "RunProgress", "bar_metrics"]

# Logged every iteration for the log's timing columns; not what a bar is looked at for.
_TIMING = ("time", "data_time", "memory")


class _Buffer(Protocol):
    def current(self) -> Any: ...


class _MessageHub(Protocol):
    @property
    def log_scalars(self) -> Mapping[str, _Buffer]: ...


class RunProgress(Protocol):
    """What the bar reads of the Runner."""

    @property
    def epoch(self) -> int: ...

    @property
    def iter(self) -> int: ...

    @property
    def max_epochs(self) -> int: ...

    @property
    def max_iters(self) -> int: ...

    @property
    def message_hub(self) -> _MessageHub: ...

    @property
    def train_loop(self) -> object: ...


def _format(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4g}"


def bar_metrics(hub: _MessageHub) -> dict[str, str]:
    """Latest ``train/*`` losses and learning rates, then the last ``val/*`` metrics."""
    train: dict[str, str] = {}
    val: dict[str, str] = {}
    for key, buffer in hub.log_scalars.items():
        mode, _, name = key.partition("/")
        if not name or name in _TIMING:
            continue
        if mode == "train":
            train[name] = _format(buffer.current())
        elif mode == "val":
            val[f"val/{name}"] = _format(buffer.current())
    losses = {k: v for k, v in train.items() if "loss" in k}
    rest = {k: v for k, v in train.items() if k not in losses}
    return {**losses, **rest, **val}


def _iteration_based(runner: RunProgress) -> bool:
    from mmlight.runner.loops import IterBasedTrainLoop

    return isinstance(runner.train_loop, IterBasedTrainLoop)


class MMEngineProgressBar(TQDMProgressBar):
    """Lightning's tqdm bar with MMEngine's counting and the run's losses and metrics."""

    def __init__(self, runner: RunProgress, refresh_rate: int = 1) -> None:
        super().__init__(refresh_rate=refresh_rate)
        self._runner = runner
        self._first_iter = 0  # iteration-based: the bar starts at the resumed iteration

    def on_train_epoch_start(self, trainer: Any, *_: Any) -> None:
        # Not Lightning's version: it draws "Epoch <0-based>" once before any change here.
        bar = self.train_progress_bar
        runner = self._runner
        if _iteration_based(runner):
            self._first_iter = runner.iter
            total: float | None = runner.max_iters
            bar.set_description("Iter", refresh=False)
        else:
            self._first_iter = 0
            total = self.total_train_batches
            bar.set_description(f"Epoch {runner.epoch + 1}/{runner.max_epochs}", refresh=False)
        bar.reset(total=None if total is None or math.isinf(total) else int(total))
        bar.initial = bar.n = self._first_iter
        bar.refresh()

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        bar = self.train_progress_bar
        if bar is None or bar.disable:
            return
        done = self._first_iter + batch_idx + 1
        if done % self.refresh_rate == 0 or done == bar.total:
            bar.n = done
            bar.set_postfix(self.get_metrics(trainer, pl_module))  # redraws the bar

    def get_metrics(self, trainer: Any, pl_module: Any) -> dict[str, int | str | float | dict]:
        metrics = dict(super().get_metrics(trainer, pl_module))
        metrics.pop("v_num", None)  # Lightning's logger version; mmlight runs have none
        metrics.update(bar_metrics(self._runner.message_hub))
        return metrics
