"""mmlight.dataset vs mmengine.dataset: same scenarios, results compared exactly."""

from __future__ import annotations

import itertools
import json
import random
from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import BatchSampler, Dataset

mmengine = pytest.importorskip("mmengine")

import mmengine.dataset as mme_dataset  # noqa: E402
import mmengine.dataset.sampler as mme_sampler_module  # noqa: E402
from mmengine.registry import DATA_SAMPLERS as MME_DATA_SAMPLERS  # noqa: E402
from mmengine.registry import DATASETS as MME_DATASETS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.structures import BaseDataElement  # noqa: E402

import mmlight.dataset as mml_dataset  # noqa: E402
import mmlight.dataset.sampler as mml_sampler_module  # noqa: E402
from mmlight.registry import DATA_SAMPLERS as MML_DATA_SAMPLERS  # noqa: E402
from mmlight.registry import DATASETS as MML_DATASETS  # noqa: E402

Pair = namedtuple("Pair", ["left", "right"])


def assert_same(ours: Any, theirs: Any, path: str = "out") -> None:
    """Equal structure, container types, dtypes and values."""
    assert type(ours) is type(theirs), f"{path}: {type(ours)} vs {type(theirs)}"
    if isinstance(ours, torch.Tensor):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, path
        assert torch.equal(ours, theirs), path
    elif isinstance(ours, np.ndarray):
        assert ours.dtype == theirs.dtype, path
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs), path
        for key in ours:
            assert_same(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(ours, BaseDataElement):
        assert ours is theirs, path
    else:
        assert ours == theirs, f"{path}: {ours!r} vs {theirs!r}"


# ---------------------------------------------------------------- samplers


def _patch_rank(monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int) -> None:
    for module in (mml_sampler_module, mme_sampler_module):
        monkeypatch.setattr(module, "get_dist_info", lambda: (rank, world_size))


@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
def test_default_sampler_index_sequences(monkeypatch: pytest.MonkeyPatch, world_size: int) -> None:
    checked = 0
    for rank in range(world_size):
        _patch_rank(monkeypatch, rank, world_size)
        grid = itertools.product([1, 5, 10, 13], [0, 7, 2**20], [True, False], [True, False])
        for size, seed, shuffle, round_up in grid:
            dataset = list(range(size))
            ours = mml_dataset.DefaultSampler(
                dataset, shuffle=shuffle, seed=seed, round_up=round_up
            )
            theirs = mme_dataset.DefaultSampler(
                dataset, shuffle=shuffle, seed=seed, round_up=round_up
            )
            for epoch in (0, 1, 5):
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                assert list(ours) == list(theirs), (size, seed, shuffle, round_up, epoch, rank)
                assert len(ours) == len(theirs)
                checked += 1
            assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)
    assert checked == world_size * 4 * 3 * 4 * 3


def test_default_sampler_unseeded_draws_the_same_seed() -> None:
    np.random.seed(42)
    ours = mml_dataset.DefaultSampler(list(range(9)))
    np.random.seed(42)
    theirs = mme_dataset.DefaultSampler(list(range(9)))
    assert ours.seed == theirs.seed
    assert list(ours) == list(theirs)


@pytest.mark.parametrize(("rank", "world_size"), [(0, 1), (0, 2), (1, 2), (2, 3)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_infinite_sampler_first_indices(
    monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int, shuffle: bool
) -> None:
    _patch_rank(monkeypatch, rank, world_size)
    for size, seed in [(1, 0), (7, 3), (10, 2**20)]:
        ours = mml_dataset.InfiniteSampler(list(range(size)), shuffle=shuffle, seed=seed)
        theirs = mme_dataset.InfiniteSampler(list(range(size)), shuffle=shuffle, seed=seed)
        assert list(itertools.islice(iter(ours), 50)) == list(itertools.islice(iter(theirs), 50))
        assert len(ours) == len(theirs)


# ---------------------------------------------------------------- collate


def _collate_batches() -> list[list]:
    elements = [BaseDataElement(metainfo=dict(id=i)) for i in range(2)]
    return [
        [
            {
                "img": torch.full((2, 3), float(i)),
                "label": i,
                "score": i + 0.5,
                "flag": bool(i),
                "name": f"s{i}",
                "raw": b"x",
                "arr": np.arange(3, dtype=np.float32) * i,
                "np_scalar": np.float32(i),
                "nested": {"boxes": [torch.ones(2) * i, torch.zeros(2)], "pair": (i, i * 2)},
                "pt": Pair(torch.tensor([i]), i),
                "data_samples": elements[i],
            }
            for i in range(2)
        ],
        [[torch.tensor(1), 2, "a"], [torch.tensor(3), 4, "b"]],
        [(np.ones(2), 1.0), (np.zeros(2), 2.0)],
        [Pair(1, "x"), Pair(2, "y")],
        [torch.arange(3), torch.arange(3, 6)],
        [7, 8, 9],
        ["only", "strings"],
    ]


@pytest.mark.parametrize("name", ["pseudo_collate", "default_collate"])
def test_collate_outputs(name: str) -> None:
    for batch in _collate_batches():
        ours = getattr(mml_dataset, name)(batch)
        theirs = getattr(mme_dataset, name)(batch)
        assert_same(ours, theirs)


@pytest.mark.parametrize("name", ["pseudo_collate", "default_collate"])
def test_collate_rejects_ragged_sequences_alike(name: str) -> None:
    batch = [[1, 2], [3]]
    with pytest.raises(RuntimeError):
        getattr(mme_dataset, name)(batch)
    with pytest.raises(RuntimeError):
        getattr(mml_dataset, name)(batch)


# ---------------------------------------------------------------- build_dataloader


class RandomToyDataset(Dataset):
    """Samples carry random numbers drawn where the sample is loaded (worker or main)."""

    def __init__(self, size: int = 10) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, idx: int) -> dict:
        return {
            "inputs": torch.full((2,), float(idx)),
            "idx": idx,
            "np": float(np.random.rand()),
            "py": random.random(),
            "torch": torch.rand(1),
        }


class ToyBatchSampler(BatchSampler):
    def __init__(self, sampler: Any, batch_size: int, drop_last: bool = True) -> None:
        super().__init__(sampler, batch_size, drop_last)


for _registry in (MML_DATASETS, MME_DATASETS):
    _registry.register_module(name="ParityRandomToyDataset", module=RandomToyDataset, force=True)
for _registry in (MML_DATA_SAMPLERS, MME_DATA_SAMPLERS):
    _registry.register_module(name="ParityToyBatchSampler", module=ToyBatchSampler, force=True)


def _index_sampler(loader: Any) -> Any:
    """The sampler the config built (inside the batch sampler when there is one)."""
    if isinstance(loader.batch_sampler, ToyBatchSampler):
        return loader.batch_sampler.sampler
    return loader.sampler


def _epochs(loader: Any, epochs: int) -> list[list]:
    out = []
    for epoch in range(epochs):
        _index_sampler(loader).set_epoch(epoch)
        np.random.seed(100 + epoch)
        random.seed(100 + epoch)
        torch.manual_seed(100 + epoch)
        out.append(list(loader))
    return out


DATALOADER_CASES = {
    "shuffle": dict(sampler=dict(type="DefaultSampler", shuffle=True), batch_size=3),
    "no-round-up": dict(
        sampler=dict(type="DefaultSampler", shuffle=False, round_up=False), batch_size=4
    ),
    "default-collate": dict(
        sampler=dict(type="DefaultSampler"), batch_size=2, collate_fn=dict(type="default_collate")
    ),
    "batch-sampler": dict(
        sampler=dict(type="DefaultSampler"),
        batch_size=3,
        batch_sampler=dict(type="ParityToyBatchSampler"),
    ),
    "num-batch-per-epoch": dict(
        sampler=dict(type="DefaultSampler"), batch_size=2, num_batch_per_epoch=3
    ),
    "sampler-seed-in-config": dict(sampler=dict(type="DefaultSampler", seed=5), batch_size=4),
    "two-workers": dict(
        sampler=dict(type="DefaultSampler"),
        batch_size=3,
        num_workers=2,
        collate_fn=dict(type="default_collate"),
    ),
}


@pytest.mark.parametrize("case", list(DATALOADER_CASES))
def test_build_dataloader_batches(case: str) -> None:
    cfg = dict(dataset=dict(type="ParityRandomToyDataset", size=11), **DATALOADER_CASES[case])
    ours = mml_dataset.build_dataloader(cfg, seed=1234)
    theirs = Runner.build_dataloader(cfg, seed=1234)
    # really two implementations
    assert type(_index_sampler(ours)).__module__ == "mmlight.dataset.sampler"
    assert type(_index_sampler(theirs)).__module__ == "mmengine.dataset.sampler"
    assert len(ours) == len(theirs)
    assert_same(_epochs(ours, 2), _epochs(theirs, 2))


def test_worker_seeding_draws_match_and_differ_across_workers() -> None:
    cfg = dict(
        dataset=dict(type="ParityRandomToyDataset", size=8),
        sampler=dict(type="DefaultSampler", shuffle=False),
        batch_size=2,
        num_workers=2,
    )
    ours = _epochs(mml_dataset.build_dataloader(cfg, seed=7), 1)[0]
    theirs = _epochs(Runner.build_dataloader(cfg, seed=7), 1)[0]
    assert_same(ours, theirs)
    # batch 0 comes from worker 0 (seed 7), batch 1 from worker 1 (seed 8)
    np.random.seed(7)
    assert ours[0]["np"][0] == float(np.random.rand())
    np.random.seed(8)
    assert ours[1]["np"][0] == float(np.random.rand())


def test_build_dataloader_infinite_sampler() -> None:
    cfg = dict(
        dataset=dict(type="ParityRandomToyDataset", size=5),
        sampler=dict(type="InfiniteSampler", shuffle=True),
        batch_size=3,
    )
    streams = []
    for build in (mml_dataset.build_dataloader, Runner.build_dataloader):
        torch.manual_seed(0)
        np.random.seed(0)
        random.seed(0)
        iterator = iter(build(cfg, seed=99))
        streams.append([next(iterator) for _ in range(6)])
    assert_same(*streams)


def test_build_dataloader_diff_rank_seed() -> None:
    cfg = dict(
        dataset=dict(type="ParityRandomToyDataset", size=9),
        sampler=dict(type="DefaultSampler"),
        batch_size=4,
    )
    np.random.seed(3)
    ours = mml_dataset.build_dataloader(cfg, seed=1, diff_rank_seed=True)
    np.random.seed(3)
    theirs = Runner.build_dataloader(cfg, seed=1, diff_rank_seed=True)
    assert ours.sampler.seed == theirs.sampler.seed
    assert_same(_epochs(ours, 2), _epochs(theirs, 2))


# ---------------------------------------------------------------- datasets


def _classes(base: type, name: str) -> type:
    class ParityDataset(base):  # type: ignore[valid-type, misc]
        METAINFO = dict(classes=("cat", "dog", "bird"), task="parity")

        def get_cat_ids(self, idx: int) -> list[int]:
            return self.get_data_info(idx)["labels"]

    ParityDataset.__name__ = name
    return ParityDataset


OurDataset = _classes(mml_dataset.BaseDataset, "ParityJsonDataset")
TheirDataset = _classes(mme_dataset.BaseDataset, "ParityJsonDataset")
MML_DATASETS.register_module(name="ParityJsonDataset", module=OurDataset, force=True)
MME_DATASETS.register_module(name="ParityJsonDataset", module=TheirDataset, force=True)

LABELS = [[0], [0], [0, 1], [], [2], [0], [0, 2], [1]]


def _write_ann(path: Path, labels: list[list[int]] = LABELS, **metainfo: Any) -> str:
    records = [
        {"img_path": f"{path.stem}/{i}.jpg", "seg": f"{i}.png", "labels": ls, "h": 10 + i}
        for i, ls in enumerate(labels)
    ]
    meta = {"classes": ["file"], "version": "1.0", **metainfo}
    path.write_text(json.dumps({"metainfo": meta, "data_list": records}))
    return str(path)


def _summary(dataset: Any) -> dict:
    return {
        "len": len(dataset),
        "metainfo": dataset.metainfo,
        "infos": [dataset.get_data_info(i) for i in range(len(dataset))],
        "items": [dataset[i] for i in range(len(dataset))],
    }


def _pair(tmp_path: Path, **kwargs: Any) -> tuple[Any, Any]:
    ann = _write_ann(tmp_path / "ann.json")
    return OurDataset(ann, **kwargs), TheirDataset(ann, **kwargs)


def _drop_label_zero(data: dict) -> dict | None:
    return None if data["labels"] == [0] else {**data, "seen": True}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(serialize_data=False),
        dict(metainfo=dict(task="arg", extra=[1, 2])),
        dict(data_prefix=dict(img_path="images", seg="/abs/seg")),
        dict(indices=5),
        dict(indices=[7, 0, -2]),
        dict(lazy_init=True),
        dict(pipeline=[lambda d: {**d, "h": d["h"] * 2}]),
    ],
    ids=lambda kw: ",".join(kw) or "defaults",
)
def test_base_dataset_outputs(tmp_path: Path, kwargs: dict) -> None:
    ours, theirs = _pair(tmp_path, **kwargs)
    assert_same(_summary(ours), _summary(theirs))
    if ours.serialize_data:
        np.testing.assert_array_equal(ours.data_address, theirs.data_address)
        assert ours.data_bytes.tobytes() == theirs.data_bytes.tobytes()


def test_base_dataset_data_root_and_meta_file(tmp_path: Path) -> None:
    _write_ann(tmp_path / "ann.json")
    (tmp_path / "classes.txt").write_text("a\nb\nc\n")
    kwargs = dict(
        data_root=str(tmp_path),
        data_prefix=dict(img_path="imgs", seg=""),
        metainfo=dict(classes=str(tmp_path / "classes.txt"), note="not a file"),
    )
    ours, theirs = OurDataset("ann.json", **kwargs), TheirDataset("ann.json", **kwargs)
    assert (ours.ann_file, ours.data_prefix) == (theirs.ann_file, theirs.data_prefix)
    assert_same(_summary(ours), _summary(theirs))


def test_base_dataset_refetch_uses_the_same_random_draws(tmp_path: Path) -> None:
    ours, theirs = _pair(tmp_path, pipeline=[_drop_label_zero])
    np.random.seed(11)
    ours_items = [ours[i] for i in range(len(ours))]
    np.random.seed(11)
    theirs_items = [theirs[i] for i in range(len(theirs))]
    assert_same(ours_items, theirs_items)


@pytest.mark.parametrize("serialize", [True, False])
@pytest.mark.parametrize("indices", [3, -3, 0, [1, 4, 1], [-1, 0], []])
def test_get_subset(tmp_path: Path, serialize: bool, indices: Any) -> None:
    ours, theirs = _pair(tmp_path, serialize_data=serialize)
    # mmengine's _copy_without_annotation(memo=dict()) shares one memo across calls, so a
    # recycled id() can hand back an object from an earlier copy (its pipeline became a
    # dataset in one CI run). Start the oracle from an empty memo; mmlight has no such memo.
    copy_defaults = mme_dataset.BaseDataset._copy_without_annotation.__defaults__
    if copy_defaults:
        copy_defaults[0].clear()
    assert_same(_summary(ours.get_subset(indices)), _summary(theirs.get_subset(indices)))
    ours.get_subset_(indices)
    theirs.get_subset_(indices)
    assert_same(_summary(ours), _summary(theirs))


def _wrapped(tmp_path: Path, make: Any) -> tuple[Any, Any]:
    first = _write_ann(tmp_path / "first.json")
    second = _write_ann(tmp_path / "second.json", labels=[[1], [2], [1, 2]])
    return (
        make(OurDataset, first, second, mml_dataset),
        make(TheirDataset, first, second, mme_dataset),
    )


WRAPPERS = {
    "concat": lambda cls, a, b, lib: lib.ConcatDataset(
        [cls(a), dict(type="ParityJsonDataset", ann_file=b)]
    ),
    "concat-lazy": lambda cls, a, b, lib: lib.ConcatDataset(
        [cls(a, lazy_init=True), cls(b, lazy_init=True)], lazy_init=True
    ),
    "repeat": lambda cls, a, b, lib: lib.RepeatDataset(cls(a, indices=5), times=3),
    "repeat-from-dict": lambda cls, a, b, lib: lib.RepeatDataset(
        dict(type="ParityJsonDataset", ann_file=b), times=2
    ),
    "class-balanced": lambda cls, a, b, lib: lib.ClassBalancedDataset(cls(a), oversample_thr=0.3),
    "class-balanced-high": lambda cls, a, b, lib: lib.ClassBalancedDataset(
        cls(a, serialize_data=False), oversample_thr=0.9
    ),
}


@pytest.mark.parametrize("name", list(WRAPPERS))
def test_dataset_wrappers(tmp_path: Path, name: str) -> None:
    ours, theirs = _wrapped(tmp_path, WRAPPERS[name])
    assert_same(_summary(ours), _summary(theirs))
    for attribute in ("cumulative_sizes", "repeat_indices"):
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute)
    if hasattr(theirs, "get_cat_ids"):
        assert [ours.get_cat_ids(i) for i in range(len(ours))] == [
            theirs.get_cat_ids(i) for i in range(len(theirs))
        ]


def test_concat_negative_indices(tmp_path: Path) -> None:
    ours, theirs = _wrapped(tmp_path, WRAPPERS["concat"])
    for idx in range(-len(ours), 0):
        assert_same(ours[idx], theirs[idx])


def test_concat_metainfo_mismatch_fails_alike(tmp_path: Path) -> None:
    first = _write_ann(tmp_path / "first.json")
    second = _write_ann(tmp_path / "second.json")
    for lib, cls in ((mml_dataset, OurDataset), (mme_dataset, TheirDataset)):
        lazy, loaded = cls(first, lazy_init=True), cls(second)  # only `loaded` read its file
        with pytest.raises(ValueError, match="version does not in the meta information"):
            lib.ConcatDataset([lazy, loaded])


# ---------------------------------------------------------------- public API


def test_public_names_and_signatures_match() -> None:
    import inspect

    assert set(mme_dataset.__all__) <= set(mml_dataset.__all__)
    for name in mme_dataset.__all__:
        theirs = getattr(mme_dataset, name)
        if not callable(theirs) or name == "COLLATE_FUNCTIONS":
            continue
        ours_params = inspect.signature(getattr(mml_dataset, name)).parameters
        theirs_params = inspect.signature(theirs).parameters
        assert [(p.name, p.kind, p.default) for p in ours_params.values()] == [
            (p.name, p.kind, p.default) for p in theirs_params.values()
        ], name
