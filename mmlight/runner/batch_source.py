"""Training batches fetched when MMEngine fetches them, and resumed mid-pass without replay.

Lightning prefetches one batch ahead of ``training_step``; MMEngine fetches each batch inside
its iteration. Where a dataset or ``iter(dataloader)`` draws from the global random generators
(``DataLoader`` draws a base seed per pass), prefetching would move those draws one iteration
earlier and change everything random that follows (dropout masks, augmentations). So Lightning
iterates placeholder tokens, and ``training_step`` asks the :class:`BatchSource` for the real
batch: the dataloader's iterator is created, and each batch loaded, at MMEngine's moments.

The source also resumes at any iteration: it skips already-trained batches at the batch-sampler
level (indices only, no data loading), creating the skipping iterator without touching the
global random state, so a resumed run continues exactly where the killed run stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import torch

__all__ = ["BATCH_TOKEN", "BatchSource", "EndlessTokens", "EpochTokens"]


class _BatchToken:
    """Stands in for a batch on Lightning's side; ``training_step`` swaps in the real one."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<mmlight batch fetched in training_step>"


BATCH_TOKEN = _BatchToken()


def _sampler_of(dataloader: Any) -> Any:
    for holder in (getattr(dataloader, "batch_sampler", None), dataloader):
        sampler = getattr(holder, "sampler", None)
        if sampler is not None:
            return sampler
    return None


class _SkipFirstBatches:
    """A batch sampler that drops the first ``count`` index batches of another one."""

    def __init__(self, batch_sampler: Iterable[list[int]], count: int) -> None:
        self.batch_sampler = batch_sampler
        self.count = count
        self.sampler = getattr(batch_sampler, "sampler", None)

    def __iter__(self) -> Iterator[list[int]]:
        iterator = iter(self.batch_sampler)
        for _ in range(self.count):
            next(iterator, None)
        return iterator

    def __len__(self) -> int:
        return max(len(self.batch_sampler) - self.count, 0)  # type: ignore[arg-type]


def _skipping_iterator(dataloader: Any, count: int) -> Iterator[Any]:
    """An iterator over ``dataloader`` past its first ``count`` batches, loading none of them.

    Creating it leaves the global torch generator untouched: the killed run drew this pass's
    ``DataLoader`` base seed before it saved the random state being restored.
    """
    from torch.utils.data import DataLoader

    if count == 0:
        return iter(dataloader)
    state = torch.get_rng_state()
    try:
        batch_sampler = getattr(dataloader, "batch_sampler", None)
        if isinstance(dataloader, DataLoader) and batch_sampler is not None:
            loader = DataLoader(
                dataloader.dataset,
                batch_sampler=_SkipFirstBatches(batch_sampler, count),
                num_workers=dataloader.num_workers,
                collate_fn=dataloader.collate_fn,
                pin_memory=dataloader.pin_memory,
                timeout=dataloader.timeout,
                worker_init_fn=dataloader.worker_init_fn,
                multiprocessing_context=dataloader.multiprocessing_context,
                generator=dataloader.generator,
                prefetch_factor=dataloader.prefetch_factor,
                persistent_workers=False,
            )
            return iter(loader)
        iterator = iter(dataloader)  # no batch sampler to skip with: load and drop
        for _ in range(count):
            next(iterator)
        return iterator
    finally:
        torch.set_rng_state(state)


class BatchSource:
    """The real iterator over a training dataloader, advanced only from ``training_step``.

    ``endless`` (iteration-based loops) restarts the dataloader when a pass ends, setting the
    sampler's epoch as MMEngine's infinite iterator does.
    """

    def __init__(self, dataloader: Any, endless: bool = False) -> None:
        self.dataloader = dataloader
        self.endless = endless
        self._iterator: Iterator[Any] | None = None
        self._pass = 0
        self._skip = 0

    def resume_at(self, batches_done: int) -> None:
        """Position the source after ``batches_done`` batches of training."""
        from mmlight.dataset import InfiniteSampler

        if not self.endless:
            self._skip = batches_done
            return
        if isinstance(_sampler_of(self.dataloader), InfiniteSampler):
            self._pass, self._skip = 0, batches_done  # one pass that never ends
        else:
            length = len(self.dataloader)
            self._pass, self._skip = divmod(batches_done, length)
        if batches_done:
            self._iterator = None  # the one open() made starts at the beginning

    def open(self) -> None:
        """Create the iterator now: MMEngine's iteration-based loop does so when it is built,
        and that ``iter(dataloader)`` draws the pass's base seed from torch's generator before
        ``init_weights()`` draws the initial weights."""
        if self._iterator is None:
            self._iterator = iter(self.dataloader)

    def start_pass(self) -> None:
        """Epoch-based loops: the next ``next_batch`` begins a new pass over the data."""
        self._iterator = None

    def next_batch(self) -> Any:
        if self._iterator is None:
            if self.endless and self._pass:
                # Resumed in a later pass; set here, after before_train_epoch hooks such as
                # DistSamplerSeedHook have set the (iteration-based) epoch 0.
                self._set_sampler_epoch(self._pass)
            self._iterator = _skipping_iterator(self.dataloader, self._skip)
            self._skip = 0
        try:
            return next(self._iterator)
        except StopIteration:
            if not self.endless:
                raise
            self._pass += 1
            self._set_sampler_epoch(self._pass)
            self._iterator = iter(self.dataloader)
            return next(self._iterator)

    # MMEngine code calls ``next(loop.dataloader_iterator)``; this is that iterator.
    def __iter__(self) -> BatchSource:
        return self

    def __next__(self) -> Any:
        return self.next_batch()

    def _set_sampler_epoch(self, epoch: int) -> None:
        sampler = _sampler_of(self.dataloader)
        if sampler is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    @property
    def pending_skip(self) -> int:
        return self._skip


class _InfiniteDataloaderIterator(BatchSource):
    """mmengine's name for an endless iterator over a dataloader (a dataloader restarted, its
    sampler's epoch set, when a pass ends). Code that assigns one to an iteration-based loop's
    ``dataloader_iterator`` (mmagic's PGGAN hook, after swapping the dataloader) makes the
    loop fetch from it."""

    def __init__(self, dataloader: Any) -> None:
        super().__init__(dataloader, endless=True)
        self.open()  # mmengine's iterator calls iter(dataloader) when it is created

    @property
    def _dataloader(self) -> Any:
        return self.dataloader

    @property
    def _epoch(self) -> int:
        return self._pass


class EpochTokens:
    """What Lightning iterates for an epoch-based loop: one token per batch of the epoch.

    The first epoch after a mid-epoch resume is shorter by the batches already trained.
    """

    def __init__(self, source: BatchSource) -> None:
        self.source = source

    def __len__(self) -> int:
        return len(self.source.dataloader) - self.source.pending_skip

    def __iter__(self) -> Iterator[_BatchToken]:
        count = len(self)
        self.source.start_pass()
        return iter([BATCH_TOKEN] * count)


class EndlessTokens:
    """What Lightning iterates for an iteration-based loop: tokens without end (no length),
    so Lightning stays in one epoch bounded by ``limit_train_batches``."""

    def __init__(self, source: BatchSource) -> None:
        self.source = source

    def __iter__(self) -> Iterator[_BatchToken]:
        while True:
            yield BATCH_TOKEN
