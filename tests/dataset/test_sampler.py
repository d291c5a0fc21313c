"""DefaultSampler / InfiniteSampler: sharding, round-up, seeding, epochs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import mmlight.dataset.sampler as sampler_module
from mmlight.dataset import DefaultSampler, InfiniteSampler
from mmlight.registry import DATA_SAMPLERS


def _as_rank(monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int) -> None:
    monkeypatch.setattr(sampler_module, "get_dist_info", lambda: (rank, world_size))


def test_registered_in_data_samplers() -> None:
    assert DATA_SAMPLERS.get("DefaultSampler") is DefaultSampler
    assert DATA_SAMPLERS.get("InfiniteSampler") is InfiniteSampler


def test_single_process_without_shuffle_yields_dataset_order() -> None:
    sampler = DefaultSampler(list(range(5)), shuffle=False, seed=0)
    assert list(sampler) == [0, 1, 2, 3, 4]
    assert len(sampler) == 5
    assert (sampler.rank, sampler.world_size) == (0, 1)


def test_shuffle_uses_a_generator_seeded_with_seed_plus_epoch() -> None:
    sampler = DefaultSampler(list(range(20)), shuffle=True, seed=3)
    sampler.set_epoch(4)
    expected = torch.randperm(20, generator=torch.Generator().manual_seed(7)).tolist()
    assert list(sampler) == expected
    assert list(sampler) == expected  # same epoch, same order
    sampler.set_epoch(5)
    assert list(sampler) != expected


def test_round_up_repeats_leading_indices_and_interleaves_ranks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shards = []
    for rank in range(4):
        _as_rank(monkeypatch, rank, 4)
        sampler = DefaultSampler(list(range(10)), shuffle=False, seed=0)
        assert len(sampler) == 3
        assert sampler.total_size == 12
        shards.append(list(sampler))
    assert shards == [[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]]


def test_round_up_repeats_a_tiny_dataset_several_times(monkeypatch: pytest.MonkeyPatch) -> None:
    _as_rank(monkeypatch, 3, 5)
    sampler = DefaultSampler([0, 1], shuffle=False, seed=0)
    assert list(sampler) == [1]  # round-up list is 0 1 0 1 0; rank 3 takes position 3
    assert len(sampler) == 1


def test_without_round_up_every_index_appears_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = []
    for rank in range(3):
        _as_rank(monkeypatch, rank, 3)
        sampler = DefaultSampler(list(range(10)), shuffle=True, seed=11, round_up=False)
        indices = list(sampler)
        assert len(indices) == len(sampler) == (4 if rank == 0 else 3)
        seen += indices
    assert sorted(seen) == list(range(10))


def test_seed_none_takes_the_synced_random_seed() -> None:
    np.random.seed(123)
    expected = int(np.random.randint(2**31))
    np.random.seed(123)
    assert DefaultSampler([1, 2], seed=None).seed == expected
    np.random.seed(123)
    assert InfiniteSampler([1, 2], seed=None).seed == expected


def test_empty_dataset_yields_nothing() -> None:
    sampler = DefaultSampler([], shuffle=True, seed=0)
    assert list(sampler) == []
    assert len(sampler) == 0


def test_infinite_sampler_streams_fresh_permutations(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = torch.Generator().manual_seed(5)
    stream = torch.randperm(4, generator=generator).tolist()
    stream += torch.randperm(4, generator=generator).tolist()
    _as_rank(monkeypatch, 1, 2)
    sampler = InfiniteSampler(list(range(4)), shuffle=True, seed=5)
    assert list(itertools.islice(iter(sampler), 4)) == stream[1::2]
    assert len(sampler) == 4


def test_infinite_sampler_continues_where_the_last_iteration_stopped() -> None:
    sampler = InfiniteSampler(list(range(3)), shuffle=False, seed=0)
    assert list(itertools.islice(iter(sampler), 2)) == [0, 1]
    assert list(itertools.islice(iter(sampler), 3)) == [2, 0, 1]
    sampler.set_epoch(9)  # a no-op
    assert next(iter(sampler)) == 2


def test_infinite_sampler_rejects_an_empty_dataset_instead_of_hanging() -> None:
    sampler = InfiniteSampler([], seed=0)
    with pytest.raises(ValueError, match="InfiniteSampler got an empty dataset"):
        next(iter(sampler))


def test_build_from_registry_with_default_args() -> None:
    sampler = DATA_SAMPLERS.build(
        dict(type="DefaultSampler", shuffle=False), default_args=dict(dataset=[7, 8], seed=1)
    )
    assert isinstance(sampler, DefaultSampler)
    assert (list(sampler), sampler.seed) == ([0, 1], 1)
