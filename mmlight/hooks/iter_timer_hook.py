"""``IterTimerHook``: data-loading time, iteration time and the ETA, for the log line."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["IterTimerHook"]


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Record ``<mode>/data_time`` and ``<mode>/time`` scalars and the ``eta`` info (seconds).

    ``data_time`` is the time from the end of the previous iteration (or the start of the
    epoch) to the start of this one, i.e. waiting for the dataloader; ``time`` covers the whole
    iteration. The training ETA averages over the iterations run since ``before_train``, so a
    resumed run does not count the iterations it skipped.
    """

    priority = "NORMAL"

    def __init__(self) -> None:
        self.time_sec_tot = 0.0
        self.time_sec_test_val = 0.0
        self.start_iter = 0
        self.t = time.time()

    def before_train(self, runner: Any) -> None:
        self.start_iter = runner.iter

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        self.t = time.time()

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        self.time_sec_test_val = 0.0

    def _before_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, mode: str = "train"
    ) -> None:
        runner.message_hub.update_scalar(f"{mode}/data_time", time.time() - self.t)

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        hub = runner.message_hub
        hub.update_scalar(f"{mode}/time", time.time() - self.t)
        self.t = time.time()
        iter_time = hub.get_scalar(f"{mode}/time").current()
        if mode == "train":
            self.time_sec_tot += iter_time
            done = runner.iter - self.start_iter + 1
            left = runner.max_iters - runner.iter - 1
            hub.update_info("eta", self.time_sec_tot / done * left)
            return
        dataloader = runner.val_dataloader if mode == "val" else runner.test_dataloader
        self.time_sec_test_val += iter_time
        left = len(dataloader) - batch_idx - 1
        hub.update_info("eta", self.time_sec_test_val / (batch_idx + 1) * left)
