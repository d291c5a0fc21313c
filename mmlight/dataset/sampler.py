"""Rank-aware samplers with mmengine's exact index sequences.

Both samplers shard by ``get_dist_info()`` themselves, which is why the Lightning Trainer runs
with ``use_distributed_sampler=False``. The index streams match mmengine's bit for bit for the
same seed, epoch, rank and world size, so resuming a run started under mmengine (or comparing
the two) sees the same data order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sized

import torch
from torch.utils.data import Sampler

from mmlight.dist import get_dist_info, sync_random_seed
from mmlight.registry import DATA_SAMPLERS

__all__ = ["DefaultSampler", "InfiniteSampler"]


def _permutation(size: int, shuffle: bool, generator: torch.Generator | None) -> list[int]:
    """One pass over the dataset: a seeded permutation, or 0..size-1 in order."""
    if shuffle:
        return torch.randperm(size, generator=generator).tolist()
    return list(range(size))


@DATA_SAMPLERS.register_module()
class DefaultSampler(Sampler[int]):
    """Epoch sampler for one process or many.

    Unlike ``DistributedSampler`` it also works without a process group, and ``round_up=False``
    keeps every sample exactly once (shards may then differ in length by one) instead of
    dropping the tail.

    Args:
        dataset: Anything with ``len()``.
        shuffle: Reshuffle each epoch, with a generator seeded by ``seed + epoch``.
        seed: Must be the same on every rank; None draws one on rank 0 and broadcasts it.
        round_up: Repeat leading indices so every rank gets the same number of samples.
    """

    def __init__(
        self,
        dataset: Sized,
        shuffle: bool = True,
        seed: int | None = None,
        round_up: bool = True,
    ) -> None:
        rank, world_size = get_dist_info()
        self.rank = rank
        self.world_size = world_size
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.round_up = round_up

        size = len(dataset)
        if round_up:
            self.num_samples = math.ceil(size / world_size)
            self.total_size = self.num_samples * world_size
        else:
            self.num_samples = math.ceil((size - rank) / world_size)
            self.total_size = size

    def __iter__(self) -> Iterator[int]:
        generator = None
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
        indices = _permutation(len(self.dataset), self.shuffle, generator)
        if self.round_up and indices:
            copies = -(-self.total_size // len(indices))
            indices = (indices * copies)[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.world_size])

    def __len__(self) -> int:
        """Samples this rank yields per epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Pick the epoch whose order ``__iter__`` yields (only matters with ``shuffle``)."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
class InfiniteSampler(Sampler[int]):
    """Endless index stream for iteration-based training.

    One generator is created per sampler and shared by every ``iter()`` call, so a new
    iteration continues where the last one stopped rather than starting over. Each rank takes
    every ``world_size``-th index of the common stream, starting at its rank.

    Args:
        dataset: Anything with ``len()``.
        shuffle: Each pass over the dataset is a fresh permutation from one seeded generator.
        seed: Must be the same on every rank; None draws one on rank 0 and broadcasts it.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None) -> None:
        rank, world_size = get_dist_info()
        self.rank = rank
        self.world_size = world_size
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        self.indices = self._indices_of_rank()

    def _infinite_indices(self) -> Iterator[int]:
        if self.size == 0:
            # mmengine spins forever here; an empty stream is a config mistake worth naming.
            raise ValueError(
                f"InfiniteSampler got an empty dataset ({type(self.dataset).__name__} has "
                "length 0), so there is nothing to sample; check the dataset's ann_file, "
                "filter_cfg and indices"
            )
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        while True:
            yield from _permutation(self.size, self.shuffle, generator)

    def _indices_of_rank(self) -> Iterator[int]:
        yield from itertools.islice(self._infinite_indices(), self.rank, None, self.world_size)

    def __iter__(self) -> Iterator[int]:
        # Pull with next() rather than ``yield from``: closing an abandoned iterator must not
        # close the shared stream (mmengine's sampler yields nothing ever after).
        while True:
            yield next(self.indices)

    def __len__(self) -> int:
        """The dataset size (the stream itself never ends)."""
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Accepted and ignored: there are no epochs in an endless stream."""
