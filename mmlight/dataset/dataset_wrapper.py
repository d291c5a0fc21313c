"""Dataset wrappers: concatenate, repeat, and oversample rare classes.

Wrappers take ``BaseDataset`` instances or DATASETS config dicts, share the wrapped datasets'
lazy initialisation, and refuse ``get_subset``: a subset of a wrapper is ambiguous, so subset the
wrapped datasets instead (their ``indices`` argument).
"""

from __future__ import annotations

import bisect
import copy
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np
from torch.utils.data.dataset import ConcatDataset as _TorchConcatDataset

from mmlight.dataset.base_dataset import BaseDataset, force_full_init
from mmlight.dataset.errors import EmptyDatasetsError
from mmlight.registry import DATASETS

__all__ = ["ClassBalancedDataset", "ConcatDataset", "RepeatDataset"]

_logger = logging.getLogger("mmlight")


def _build_dataset(dataset: BaseDataset | dict, where: str) -> BaseDataset:
    if isinstance(dataset, dict):
        return DATASETS.build(dataset)
    if isinstance(dataset, BaseDataset):
        return dataset
    raise TypeError(
        f"elements in datasets sequence should be config or `BaseDataset` instance, but "
        f"{where} is a {type(dataset).__name__}"
    )


def _no_subsets(wrapper: str) -> NoReturn:
    raise NotImplementedError(
        f"`{wrapper}` does not support `get_subset` and `get_subset_`: a subset of a wrapper is "
        f"ambiguous. Subset the wrapped dataset first (e.g. its `indices` argument), then wrap "
        f"it in `{wrapper}`."
    )


def _warn_lazy(wrapper: object) -> None:
    _logger.warning(
        "%s was indexed before full_init(); please call `full_init` method manually to "
        "accelerate the speed.",
        type(wrapper).__name__,
    )


def _same_meta(first: Any, other: Any) -> bool:
    if isinstance(first, np.ndarray):
        return bool(np.array_equal(first, other))
    return bool(first == other)


class _WrapperBase:
    """What every wrapper shares: a copy of the meta information on each read, indexing that
    initialises a lazy wrapper (with mmengine's warning), and no subsets."""

    _metainfo: dict
    _fully_initialized: bool
    # The class named in messages (a user subclass is still reported by its base's name).
    _wrapper_name = ""

    def full_init(self) -> None:
        raise NotImplementedError

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def _init_if_lazy(self) -> None:
        if not self._fully_initialized:
            _warn_lazy(self)
            self.full_init()

    def get_subset_(self, indices: list[int] | int) -> None:
        _no_subsets(self._wrapper_name)

    def get_subset(self, indices: list[int] | int) -> BaseDataset:
        _no_subsets(self._wrapper_name)


class _OneDatasetWrapper(_WrapperBase):
    """A wrapper over one dataset whose indices map onto the wrapped dataset's indices."""

    def __init__(self, dataset: BaseDataset | dict, lazy_init: bool) -> None:
        self.dataset: BaseDataset = _build_dataset(dataset, "dataset")
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _get_ori_dataset_idx(self, idx: int) -> int:
        raise NotImplementedError

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self._get_ori_dataset_idx(idx))

    def __getitem__(self, idx: int) -> Any:
        self._init_if_lazy()
        return self.dataset[self._get_ori_dataset_idx(idx)]


@DATASETS.register_module()
class ConcatDataset(_WrapperBase, _TorchConcatDataset):
    """Datasets one after another; their meta information must agree (except ``ignore_keys``).

    The ``metainfo`` reported is the first dataset's.
    """

    def __init__(
        self,
        datasets: Sequence[BaseDataset | dict],
        lazy_init: bool = False,
        ignore_keys: str | list[str] | None = None,
    ) -> None:
        self.datasets: list[BaseDataset] = [  # type: ignore[assignment]
            _build_dataset(dataset, f"datasets[{i}]") for i, dataset in enumerate(datasets)
        ]
        if ignore_keys is None:
            self.ignore_keys: list[str] = []
        elif isinstance(ignore_keys, str):
            self.ignore_keys = [ignore_keys]
        elif isinstance(ignore_keys, list):
            self.ignore_keys = ignore_keys
        else:
            raise TypeError(
                f"ignore_keys should be a list or str, but got {type(ignore_keys).__name__}"
            )
        if not self.datasets:
            raise EmptyDatasetsError(
                "ConcatDataset needs at least one dataset, got an empty sequence"
            )
        self._metainfo = self.datasets[0].metainfo
        self._check_metainfo()
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _check_metainfo(self) -> None:
        meta_keys: set = set()
        for dataset in self.datasets:
            meta_keys |= dataset.metainfo.keys()
        for i, dataset in enumerate(self.datasets, 1):
            meta = dataset.metainfo
            for key in meta_keys:
                if key in self.ignore_keys:
                    continue
                if key not in meta:
                    raise ValueError(
                        f"{key} does not in the meta information of the {i}-th dataset "
                        f"({type(dataset).__name__}); add it there or pass ignore_keys="
                        f"[{key!r}]"
                    )
                first_type, cur_type = type(self._metainfo[key]), type(meta[key])
                if first_type is not cur_type:
                    raise TypeError(
                        f"The type {cur_type} of {key} in the {i}-th dataset should be the same "
                        f"with the first dataset {first_type}"
                    )
                if not _same_meta(self._metainfo[key], meta[key]):
                    raise ValueError(
                        f"The meta information of the {i}-th dataset does not match meta "
                        f"information of the first dataset: {key}={meta[key]!r} vs "
                        f"{self._metainfo[key]!r} (pass ignore_keys=[{key!r}] to allow it)"
                    )

    _wrapper_name = "ConcatDataset"

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        # torch's ConcatDataset computes cumulative_sizes from the now loaded datasets.
        super().__init__(self.datasets)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> tuple[int, int]:
        """(which dataset, index inside it) for a global index."""
        if idx < 0:
            if -idx > len(self):
                raise ValueError(
                    f"absolute value of index({idx}) should not exceed datasetlength({len(self)})."
                )
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return dataset_idx, sample_idx

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx].get_data_info(sample_idx)

    @force_full_init
    def __len__(self) -> int:
        return super().__len__()

    def __getitem__(self, idx: int) -> Any:
        self._init_if_lazy()
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx][sample_idx]


@DATASETS.register_module()
class RepeatDataset(_OneDatasetWrapper):
    """The wrapped dataset ``times`` times over: fewer, longer epochs for small datasets."""

    _wrapper_name = "RepeatDataset"

    def __init__(self, dataset: BaseDataset | dict, times: int, lazy_init: bool = False) -> None:
        self.times = times
        super().__init__(dataset, lazy_init)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return idx % self._ori_len

    @force_full_init
    def __len__(self) -> int:
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset(_OneDatasetWrapper):
    """Repeat samples that contain rare categories (repeat factor sampling, LVIS paper).

    With ``f(c)`` the fraction of samples containing category ``c`` and ``t`` the
    ``oversample_thr``, a sample is repeated ``ceil(max over its categories of
    max(1, sqrt(t / f(c))))`` times; samples without categories appear once. The wrapped
    dataset must implement ``get_cat_ids(idx)``.
    """

    _wrapper_name = "ClassBalancedDataset"

    def __init__(
        self, dataset: BaseDataset | dict, oversample_thr: float, lazy_init: bool = False
    ) -> None:
        self.oversample_thr = oversample_thr
        super().__init__(dataset, lazy_init)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        factors = self._get_repeat_factors(self.dataset, self.oversample_thr)
        self.repeat_indices: list[int] = [
            index for index, factor in enumerate(factors) for _ in range(math.ceil(factor))
        ]
        self._fully_initialized = True

    def _get_repeat_factors(self, dataset: BaseDataset, repeat_thr: float) -> list[float]:
        """One repeat factor per sample of ``dataset``."""
        num_samples = len(dataset)
        cat_ids_per_sample = [set(self.dataset.get_cat_ids(idx)) for idx in range(num_samples)]
        frequency: defaultdict = defaultdict(float)
        for cat_ids in cat_ids_per_sample:
            for cat_id in cat_ids:
                frequency[cat_id] += 1
        category_repeat = {
            cat_id: max(1.0, math.sqrt(repeat_thr / (count / num_samples)))
            for cat_id, count in frequency.items()
        }
        return [
            max(category_repeat[cat_id] for cat_id in cat_ids) if cat_ids else 1.0
            for cat_ids in cat_ids_per_sample
        ]

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return self.repeat_indices[idx]

    @force_full_init
    def get_cat_ids(self, idx: int) -> list[int]:
        return self.dataset.get_cat_ids(self._get_ori_dataset_idx(idx))

    @force_full_init
    def __len__(self) -> int:
        return len(self.repeat_indices)
