"""build_dataloader: mmengine's Runner.build_dataloader steps and its error messages."""

from __future__ import annotations

import copy
import functools
import logging
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset

from mmlight.dataset import (
    DefaultSampler,
    InfiniteSampler,
    build_dataloader,
    default_collate,
    pseudo_collate,
    worker_init_fn,
)
from mmlight.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS


@DATASETS.register_module(name="BuilderToyDataset", force=True)
class ToyDataset(Dataset):
    def __init__(self, size: int = 10) -> None:
        self.size = size
        self.full_init_calls = 0

    def full_init(self) -> None:
        self.full_init_calls += 1

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, idx: int) -> dict:
        return {"inputs": torch.tensor([idx]), "idx": idx}


@DATA_SAMPLERS.register_module(name="BuilderToyBatchSampler", force=True)
class ToyBatchSampler(BatchSampler):
    def __init__(self, sampler: Any, batch_size: int, drop_last: bool = False) -> None:
        super().__init__(sampler, batch_size, drop_last)


def scale(batch: list, factor: int = 1) -> list:
    return [item["idx"] * factor for item in batch]


FUNCTIONS.register_module(name="builder_test_scale", module=scale, force=True)


def cfg(**overrides: Any) -> dict:
    base = dict(
        dataset=dict(type="BuilderToyDataset", size=10),
        sampler=dict(type="DefaultSampler", shuffle=False),
        batch_size=4,
    )
    base.update(overrides)
    return base


def test_a_dataloader_is_returned_as_is() -> None:
    loader = DataLoader([1, 2])
    assert build_dataloader(loader) is loader


def test_builds_dataset_sampler_and_pseudo_collate() -> None:
    config = cfg()
    loader = build_dataloader(config, seed=7)
    assert config == cfg()  # the caller's dict is not consumed
    assert isinstance(loader.dataset, ToyDataset)
    assert loader.dataset.full_init_calls == 1
    assert isinstance(loader.sampler, DefaultSampler)
    assert loader.sampler.seed == 7
    assert loader.batch_size == 4
    assert isinstance(loader.collate_fn, functools.partial)
    assert loader.collate_fn.func is pseudo_collate
    batches = list(loader)
    assert [b["idx"] for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    init = loader.worker_init_fn
    assert isinstance(init, functools.partial) and init.func is worker_init_fn
    assert init.keywords == dict(num_workers=None, rank=0, seed=7, disable_subprocess_warning=False)


def test_without_seed_there_is_no_worker_init_fn() -> None:
    assert build_dataloader(cfg()).worker_init_fn is None


def test_sampler_seed_from_config_wins_over_the_runner_seed() -> None:
    loader = build_dataloader(cfg(sampler=dict(type="DefaultSampler", seed=3)), seed=7)
    assert loader.sampler.seed == 3


def test_diff_rank_seed_gives_samplers_a_synced_seed() -> None:
    np.random.seed(5)
    expected = int(np.random.randint(2**31))
    np.random.seed(5)
    loader = build_dataloader(cfg(), seed=7, diff_rank_seed=True)
    assert loader.sampler.seed == expected
    assert loader.worker_init_fn.keywords["seed"] == 7


def test_dataset_and_sampler_instances_pass_through() -> None:
    dataset = ToyDataset(3)
    loader = build_dataloader(cfg(dataset=dataset, sampler=None, num_workers=0))
    assert len(loader.dataset) == 3 and loader.dataset.full_init_calls == 0  # a deep copy


def test_num_batch_per_epoch_slices_the_dataset() -> None:
    loader = build_dataloader(cfg(num_batch_per_epoch=2))
    assert len(loader.dataset) == 8
    assert len(loader) == 2
    assert loader.dataset.size == 10  # other attributes come from the wrapped dataset
    assert [b["idx"] for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_num_batch_per_epoch_needs_a_batch_size() -> None:
    config = cfg(num_batch_per_epoch=2)
    del config["batch_size"]
    with pytest.raises(ValueError, match=r"needs train_dataloader\.batch_size"):
        build_dataloader(config, cfg_key="train_dataloader")


def test_batch_sampler_gets_the_sampler_and_batch_size() -> None:
    loader = build_dataloader(cfg(batch_sampler=dict(type="BuilderToyBatchSampler")))
    assert isinstance(loader.batch_sampler, ToyBatchSampler)
    assert loader.batch_sampler.batch_size == 4
    assert isinstance(loader.batch_sampler.sampler, DefaultSampler)
    assert loader.sampler is not loader.batch_sampler.sampler  # DataLoader's own default
    assert next(iter(loader))["idx"] == [0, 1, 2, 3]


def test_infinite_sampler_builds() -> None:
    loader = build_dataloader(cfg(sampler=dict(type="InfiniteSampler", shuffle=False)), seed=0)
    assert isinstance(loader.sampler, InfiniteSampler)
    batches = iter(loader)
    assert [next(batches)["idx"] for _ in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]


@pytest.mark.parametrize(
    "collate",
    [
        dict(type="builder_test_scale", factor=10),
        dict(type=scale, factor=10),
        functools.partial(scale, factor=10),
    ],
)
def test_collate_fn_forms(collate: Any) -> None:
    loader = build_dataloader(cfg(collate_fn=collate))
    assert next(iter(loader)) == [0, 10, 20, 30]


def test_collate_fn_default_collate_stacks() -> None:
    loader = build_dataloader(cfg(collate_fn=dict(type="default_collate")))
    assert loader.collate_fn.func is default_collate
    assert next(iter(loader))["inputs"].shape == (4, 1)


def test_worker_init_fn_forms() -> None:
    loader = build_dataloader(cfg(worker_init_fn=dict(type=scale, factor=2)), seed=1)
    assert loader.worker_init_fn.func is scale and loader.worker_init_fn.keywords == {"factor": 2}
    loader = build_dataloader(cfg(worker_init_fn=dict(type="builder_test_scale")))
    assert loader.worker_init_fn.func is scale
    assert build_dataloader(cfg(worker_init_fn=scale)).worker_init_fn is scale


def test_missing_sampler_names_the_key_path_and_the_choices() -> None:
    config = cfg()
    del config["sampler"]
    with pytest.raises(KeyError) as info:
        build_dataloader(config, cfg_key="train_dataloader")
    message = str(info.value)
    assert message.startswith("invalid train_dataloader config:")
    assert "train_dataloader.sampler is missing" in message
    assert "'DefaultSampler'" in message and "'InfiniteSampler'" in message


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(KeyError) as info:
        build_dataloader(dict(batchsize=2), cfg_key="val_dataloader")
    message = str(info.value)
    assert "val_dataloader.dataset is missing" in message
    assert "val_dataloader.sampler is missing" in message
    assert "val_dataloader.batchsize is not a dataloader option (did you mean 'batch_size'?)" in (
        message
    )


def test_unknown_keys_are_a_type_error_like_dataloaders() -> None:
    with pytest.raises(
        TypeError,
        match=r"dataloader\.num_worker is not a dataloader option "
        r"\(did you mean 'num_workers'\?\)",
    ):
        build_dataloader(cfg(num_worker=2))


def test_unknown_collate_name_suggests_a_registered_one() -> None:
    with pytest.raises(
        KeyError,
        match=r"test_dataloader\.collate_fn\.type='pseudo_colate' is not a registered function "
        r"\(did you mean 'pseudo_collate'\?\)",
    ) as info:
        build_dataloader(cfg(collate_fn=dict(type="pseudo_colate")), cfg_key="test_dataloader")
    assert isinstance(info.value, TypeError)  # mmengine fails with a TypeError here


def test_unknown_worker_init_fn_name() -> None:
    with pytest.raises(KeyError, match=r"dataloader\.worker_init_fn\.type='nope'"):
        build_dataloader(cfg(worker_init_fn=dict(type="nope")))


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        (dict(collate_fn=None), TypeError, r"dataloader\.collate_fn should be a dict or callable"),
        (dict(collate_fn=dict(factor=2)), KeyError, r"dataloader\.collate_fn needs a 'type' key"),
        (dict(worker_init_fn=dict(type=3)), TypeError, r"worker_init_fn\.type should be a"),
        (
            dict(disable_subprocess_warning="yes"),
            TypeError,
            r"dataloader\.disable_subprocess_warning should be a bool, but got str",
        ),
    ],
)
def test_bad_values(overrides: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        build_dataloader(cfg(**overrides), seed=0)


def test_config_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match="train_dataloader should be a dict or a DataLoader"):
        build_dataloader([1], cfg_key="train_dataloader")  # type: ignore[arg-type]


def test_dataset_build_errors_say_where() -> None:
    with pytest.raises(Exception) as info:
        build_dataloader(cfg(dataset=dict(type="NoSuchDataset")), cfg_key="train_dataloader")
    text = str(info.value) + " ".join(getattr(info.value, "__notes__", []))
    assert "train_dataloader.dataset" in text


def test_worker_only_options_are_dropped_without_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="mmlight"):
        loader = build_dataloader(cfg(persistent_workers=True, prefetch_factor=2, num_workers=0))
    assert loader.persistent_workers is False
    assert "dataloader.persistent_workers=True is ignored" in caplog.text
    loader = build_dataloader(cfg(persistent_workers=True, num_workers=1))
    assert loader.persistent_workers is True


def test_config_dict_subclasses_are_accepted() -> None:
    class MyDict(dict):
        pass

    config = MyDict(copy.deepcopy(cfg()))
    assert len(build_dataloader(config)) == 3
