"""``DistSamplerSeedHook``: tell the sampler which epoch it is, so each epoch shuffles anew."""

from __future__ import annotations

from typing import Any

from mmlight.hooks.hook import Hook
from mmlight.registry import HOOKS

__all__ = ["DistSamplerSeedHook"]


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``set_epoch(runner.epoch)`` on the train dataloader's sampler before each epoch.

    Samplers that shuffle (``DefaultSampler``, ``DistributedSampler``) seed their permutation
    with ``seed + epoch``; without this call every epoch would see the same order. The sampler
    is looked for on the dataloader, then inside its batch sampler; samplers without
    ``set_epoch`` are left alone. Iteration-based loops advance the epoch themselves when the
    infinite iterator wraps around.
    """

    priority = "NORMAL"

    def before_train_epoch(self, runner: Any) -> None:
        dataloader = runner.train_loop.dataloader
        sampler: Any = getattr(dataloader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(runner.epoch)
            return
        batch_sampler = getattr(dataloader, "batch_sampler", None)
        inner: Any = getattr(batch_sampler, "sampler", None)
        if hasattr(inner, "set_epoch"):
            inner.set_epoch(runner.epoch)
