"""``EmptyCacheHook``: hand cached, unused accelerator memory back to the driver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["EmptyCacheHook"]


def _empty_cache() -> None:
    """Release the caching allocator's free blocks on CUDA (or MUSA); no-op elsewhere."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        return
    musa = getattr(torch, "musa", None)
    if musa is not None and musa.is_available():
        musa.empty_cache()


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Call ``torch.cuda.empty_cache()`` around epochs and/or iterations of every loop.

    Useful when memory fragments between differently shaped batches or when another process
    shares the GPU; it costs a synchronisation each time, so the per-iteration variant is off
    by default.

    Args:
        before_epoch: empty the cache before each train, val and test epoch.
        after_epoch: empty the cache after each train, val and test epoch.
        after_iter: empty the cache after each train, val and test iteration.
    """

    priority = "NORMAL"

    def __init__(
        self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False
    ) -> None:
        self._do_before_epoch = before_epoch
        self._do_after_epoch = after_epoch
        self._do_after_iter = after_iter

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        if self._do_after_iter:
            _empty_cache()

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        if self._do_before_epoch:
            _empty_cache()

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        if self._do_after_epoch:
            _empty_cache()
