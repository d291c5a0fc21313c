"""``SyncBuffersHook``: average model buffers (BatchNorm statistics) across processes."""

from __future__ import annotations

from typing import Any

from mmlight.hooks.hook import Hook
from mmlight.registry import HOOKS

__all__ = ["SyncBuffersHook"]


def _average_buffers(model: Any) -> None:
    from mmlight.dist import all_reduce_params

    all_reduce_params(model.buffers(), op="mean")


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """All-reduce (mean) ``runner.model``'s buffers after each training epoch.

    DDP broadcasts buffers from rank 0 only at forward time, so each rank's running statistics
    drift apart; averaging them makes validation and checkpoints see one consistent model.
    With an iteration-based loop there is no epoch end before validation, so the buffers are
    also averaged before each validation that did not follow a training epoch.

    Whether the run is distributed is asked at each call, not at construction: under
    Lightning the process group only exists once the strategy has set it up, after the hooks
    were built.
    """

    priority = "NORMAL"

    def __init__(self) -> None:
        # Set by after_train_epoch so the validation right after it does not sync again.
        self.called_in_train = False

    @property
    def distributed(self) -> bool:
        from mmlight.dist import is_distributed

        return is_distributed()

    def before_val_epoch(self, runner: Any) -> None:
        if not self.distributed:
            return
        if not self.called_in_train:
            _average_buffers(runner.model)
        self.called_in_train = False

    def after_train_epoch(self, runner: Any) -> None:
        if not self.distributed:
            return
        _average_buffers(runner.model)
        self.called_in_train = True
