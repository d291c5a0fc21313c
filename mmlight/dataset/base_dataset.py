"""``BaseDataset``: OpenMMLab 2.0 annotation files, lazy loading and compact storage.

An annotation file is ``{"metainfo": {...}, "data_list": [{...}, ...]}``. Subclasses usually
override ``parse_data_info`` (one raw record -> one or more samples), ``filter_data`` or
``load_data_list`` (other file layouts). After loading, samples are pickled into one numpy byte
buffer so dataloader workers share the parent's memory instead of copying Python objects.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import numpy as np
from torch.utils.data import Dataset

from mmlight.dataset._fileio import is_abs, join_path, list_from_file, load_file
from mmlight.dataset.compose import Compose
from mmlight.dataset.errors import DataKeyError, FetchError, SubsetIndexError

__all__ = ["BaseDataset", "Compose", "force_full_init"]

_logger = logging.getLogger("mmlight")
_F = TypeVar("_F", bound=Callable[..., Any])
_SKIP_ON_COPY = ("data_list", "data_address", "data_bytes")


def force_full_init(old_func: _F) -> _F:
    """Make the decorated method call ``self.full_init()`` first on a lazily built object."""

    @functools.wraps(old_func)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(obj, "full_init"):
            raise AttributeError(
                f"{type(obj)} does not have full_init method, which @force_full_init on "
                f"{old_func.__qualname__} needs"
            )
        if not getattr(obj, "_fully_initialized", False):
            _logger.warning(
                "%s.%s was called before full_init(); calling full_init() now and setting "
                "_fully_initialized to True",
                type(obj).__name__,
                old_func.__name__,
            )
            obj.full_init()
            obj._fully_initialized = True
        return old_func(obj, *args, **kwargs)

    return cast(_F, wrapper)


class BaseDataset(Dataset):
    """Dataset read from an OpenMMLab 2.0 annotation file (any fsspec path).

    Meta information is merged with rising priority: the file's ``metainfo``, the class
    attribute ``METAINFO``, the ``metainfo`` argument. A string value in the argument that
    names a readable file is replaced by the file's lines (e.g. a class-name list).

    Args:
        ann_file: Annotation file; relative paths are taken under ``data_root``.
        metainfo: Meta information that overrides ``METAINFO`` and the file's.
        data_root: Root joined in front of relative ``ann_file`` and ``data_prefix`` values.
        data_prefix: Per-key path prefixes joined onto those keys of every record.
        filter_cfg: Settings for a subclass's ``filter_data``.
        indices: Keep only these samples (an int keeps the first/last that many).
        serialize_data: Store samples as one pickled byte buffer (shared by workers).
        pipeline: Transforms (callables or TRANSFORMS dicts) applied in ``__getitem__``.
        test_mode: A None from the pipeline is an error rather than a reason to resample.
        lazy_init: Defer reading the annotation file until first needed.
        max_refetch: How many random other samples to try after the pipeline returns None.
    """

    METAINFO: dict = dict()
    _fully_initialized: bool = False

    def __init__(
        self,
        ann_file: str | None = "",
        metainfo: Mapping | Any | None = None,
        data_root: str | None = "",
        data_prefix: dict = dict(img_path=""),  # noqa: B006 - mmengine's default, copied below
        filter_cfg: dict | None = None,
        indices: int | Sequence[int] | None = None,
        serialize_data: bool = True,
        pipeline: list[dict | Callable] = [],  # noqa: B006 - mmengine's default, never mutated
        test_mode: bool = False,
        lazy_init: bool = False,
        max_refetch: int = 1000,
    ) -> None:
        self.ann_file = ann_file
        self._metainfo = self._load_metainfo(copy.deepcopy(metainfo))
        self.data_root = data_root
        self.data_prefix = copy.copy(data_prefix)
        self.filter_cfg = copy.deepcopy(filter_cfg)
        self._indices = indices
        self.serialize_data = serialize_data
        self.test_mode = test_mode
        self.max_refetch = max_refetch
        self.data_list: list[dict] = []
        self.data_bytes: np.ndarray
        self.data_address: np.ndarray
        self._join_prefix()
        self.pipeline = Compose(pipeline)
        if not lazy_init:
            self.full_init()

    # ---------------------------------------------------------------- loading
    def full_init(self) -> None:
        """Load, parse, filter, subset and serialize the annotations (once)."""
        if self._fully_initialized:
            return
        self.data_list = self.load_data_list()
        self.data_list = self.filter_data()
        if self._indices is not None:
            self.data_list = self._get_unserialized_subset(self._indices)
        if self.serialize_data:
            self.data_bytes, self.data_address = self._serialize_data()
        self._fully_initialized = True

    def load_data_list(self) -> list[dict]:
        """Read ``ann_file`` and parse every raw record with ``parse_data_info``."""
        if not self.ann_file:
            raise TypeError(
                f"{type(self).__name__} has no ann_file to load: pass ann_file='path/to/"
                "annotations.json' or override load_data_list() in the subclass"
            )
        annotations = load_file(self.ann_file)
        if not isinstance(annotations, dict):
            raise TypeError(
                "The annotations loaded from annotation file should be a dict, but got "
                f"{type(annotations).__name__} from {self.ann_file!r}"
            )
        missing = [key for key in ("data_list", "metainfo") if key not in annotations]
        if missing:
            raise ValueError(
                f"Annotation must have data_list and metainfo keys; {self.ann_file!r} lacks "
                f"{missing} (it has {sorted(annotations)})"
            )
        for key, value in annotations["metainfo"].items():
            self._metainfo.setdefault(key, value)

        data_list: list[dict] = []
        for raw_data_info in annotations["data_list"]:
            data_info = self.parse_data_info(raw_data_info)
            if isinstance(data_info, dict):
                data_list.append(data_info)
            elif isinstance(data_info, list):
                for item in data_info:
                    if not isinstance(item, dict):
                        raise TypeError(
                            "data_info must be list of dict, but parse_data_info returned a "
                            f"list holding a {type(item).__name__}"
                        )
                data_list.extend(data_info)
            else:
                raise TypeError(
                    "data_info should be a dict or list of dict, but parse_data_info returned "
                    f"a {type(data_info).__name__}"
                )
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict | list[dict]:
        """Join each ``data_prefix`` onto the record's value for that key."""
        for prefix_key, prefix in self.data_prefix.items():
            if prefix_key not in raw_data_info:
                raise DataKeyError(
                    f"raw_data_info {raw_data_info} does not contain prefix key "
                    f"{prefix_key!r}; data_prefix has keys {sorted(self.data_prefix)}, "
                    "so every record needs them (check data_prefix)"
                )
            raw_data_info[prefix_key] = join_path(prefix, raw_data_info[prefix_key])
        return raw_data_info

    def filter_data(self) -> list[dict]:
        """Keep every sample; subclasses drop unusable ones here, guided by ``filter_cfg``."""
        return self.data_list

    def get_cat_ids(self, idx: int) -> list[int]:
        """Category ids of sample ``idx``; ``ClassBalancedDataset`` needs subclasses to add it."""
        raise NotImplementedError(f"{type(self)} must implement `get_cat_ids` method")

    @property
    def metainfo(self) -> dict:
        """A copy, so callers cannot change the dataset's meta information by accident."""
        return copy.deepcopy(self._metainfo)

    @classmethod
    def _load_metainfo(cls, metainfo: Mapping | Any | None = None) -> dict:
        merged = copy.deepcopy(cls.METAINFO)
        if metainfo is None:
            return merged
        if not isinstance(metainfo, Mapping) and not callable(getattr(metainfo, "items", None)):
            raise TypeError(
                f"metainfo should be a Mapping or Config, but got {type(metainfo).__name__}: "
                f"{metainfo!r}"
            )
        for key, value in metainfo.items():
            if isinstance(value, str):
                try:
                    merged[key] = list_from_file(value)
                except (TypeError, ValueError, OSError):
                    _logger.warning(
                        "%s is not a meta file, simply parsed as meta information", value
                    )
                    merged[key] = value
            else:
                merged[key] = value
        return merged

    def _join_prefix(self) -> None:
        if self.ann_file and not is_abs(os.fspath(self.ann_file)) and self.data_root:
            self.ann_file = join_path(self.data_root, os.fspath(self.ann_file))
        for data_key, prefix in self.data_prefix.items():
            if not isinstance(prefix, str):
                raise TypeError(
                    f"prefix should be a string, but data_prefix[{data_key!r}] is a "
                    f"{type(prefix).__name__}: {prefix!r}"
                )
            if not is_abs(prefix) and self.data_root:
                self.data_prefix[data_key] = join_path(self.data_root, prefix)

    # ---------------------------------------------------------------- access
    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """A fresh copy of sample ``idx``'s record, with ``sample_idx`` set (non-negative)."""
        position = idx + len(self) if idx < 0 else idx
        if self.serialize_data:
            start = 0 if position == 0 else int(self.data_address[position - 1])
            end = int(self.data_address[position])
            data_info = pickle.loads(memoryview(cast(Any, self.data_bytes[start:end])))
        else:
            data_info = copy.deepcopy(self.data_list[idx])
        data_info["sample_idx"] = position
        return data_info

    def prepare_data(self, idx: int) -> Any:
        """Sample ``idx`` after the pipeline (None when a transform gave up)."""
        return self.pipeline(self.get_data_info(idx))

    def _rand_another(self) -> int:
        # numpy's global RNG, as mmengine, so seeded runs fetch the same replacements.
        return np.random.randint(0, len(self))

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            # Workers of a lazily built dataset would each parse the annotations themselves.
            _logger.warning("Please call `full_init()` method manually to accelerate the speed.")
            self.full_init()
        if self.test_mode:
            data = self.prepare_data(idx)
            if data is None:
                raise FetchError(
                    f"Test time pipline should not get `None` data_sample (sample {idx} of "
                    f"{type(self).__name__}): in test_mode no other sample can stand in"
                )
            return data
        for _ in range(self.max_refetch + 1):
            data = self.prepare_data(idx)
            if data is not None:
                return data
            idx = self._rand_another()
        raise FetchError(
            f"Cannot find valid image after {self.max_refetch}! Please check your image path "
            f"and pipeline: the pipeline of {type(self).__name__} returned None for "
            f"{self.max_refetch + 1} samples in a row"
        )

    @force_full_init
    def __len__(self) -> int:
        if self.serialize_data:
            return len(self.data_address)
        return len(self.data_list)

    # ---------------------------------------------------------------- subsets
    @force_full_init
    def get_subset_(self, indices: Sequence[int] | int) -> None:
        """Shrink this dataset to ``indices`` (an int keeps the first/last that many)."""
        if self.serialize_data:
            self.data_bytes, self.data_address = self._get_serialized_subset(indices)
        else:
            self.data_list = self._get_unserialized_subset(indices)

    @force_full_init
    def get_subset(self, indices: Sequence[int] | int) -> BaseDataset:
        """A new dataset holding ``indices``; this one is left unchanged."""
        subset = self._copy_without_annotation()
        if self.serialize_data:
            data_bytes, data_address = self._get_serialized_subset(indices)
            subset.data_bytes = data_bytes.copy()
            subset.data_address = data_address.copy()
            subset.data_list = []
        else:
            subset.data_list = copy.deepcopy(self._get_unserialized_subset(indices))
        return subset

    def _subset_positions(self, indices: Sequence[int] | int, size: int) -> list[int] | slice:
        """Non-negative positions for a Sequence, a slice for an int (as list slicing would)."""
        if isinstance(indices, int):
            return slice(None, indices) if indices >= 0 else slice(indices, None)
        if not isinstance(indices, Sequence):
            raise TypeError(
                f"indices should be a int or sequence of int, but got {type(indices).__name__}"
            )
        positions = []
        for idx in indices:
            if not -size <= idx < size:
                raise SubsetIndexError(
                    f"index {idx} in indices is out of range for {type(self).__name__} of "
                    f"length {size} (valid: {-size}..{size - 1})"
                )
            positions.append(idx + size if idx < 0 else idx)
        return positions

    def _get_unserialized_subset(self, indices: Sequence[int] | int) -> list[dict]:
        positions = self._subset_positions(indices, len(self.data_list))
        if isinstance(positions, slice):
            return self.data_list[positions]
        return [self.data_list[position] for position in positions]

    def _get_serialized_subset(self, indices: Sequence[int] | int) -> tuple[np.ndarray, np.ndarray]:
        address = self.data_address
        starts = np.concatenate([np.zeros(1, dtype=np.int64), address[:-1]])
        positions = self._subset_positions(indices, len(address))
        if isinstance(positions, slice):
            kept = np.arange(len(address))[positions]
            if len(kept) == 0:
                return self.data_bytes[:0], address[:0]
            first, last = int(starts[kept[0]]), int(address[kept[-1]])
            # A contiguous run: a view into the buffer, no copy.
            return self.data_bytes[first:last], address[kept] - first
        chunks = [self.data_bytes[starts[p] : address[p]] for p in positions]
        if not chunks:
            return self.data_bytes[:0], address[:0]
        sizes = [address[p] - starts[p] for p in positions]
        return np.concatenate(chunks), np.cumsum(sizes).astype(np.int64)

    def _serialize_data(self) -> tuple[np.ndarray, np.ndarray]:
        buffers = [
            np.frombuffer(pickle.dumps(info, protocol=4), dtype=np.uint8) for info in self.data_list
        ]
        data_address = np.cumsum(np.asarray([len(b) for b in buffers], dtype=np.int64))
        data_bytes = np.concatenate(buffers) if buffers else np.zeros(0, dtype=np.uint8)
        # Drop the Python objects so forked workers do not touch (and copy) them.
        self.data_list.clear()
        return data_bytes, data_address

    def _copy_without_annotation(self) -> BaseDataset:
        """A deep copy of every attribute except the (large) sample storage."""
        other = type(self).__new__(type(self))
        memo: dict[int, Any] = {id(self): other}
        for key, value in self.__dict__.items():
            if key not in _SKIP_ON_COPY:
                object.__setattr__(other, key, copy.deepcopy(value, memo))
        return other
