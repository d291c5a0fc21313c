"""``build_dataloader``: a dataloader config dict -> ``torch.utils.data.DataLoader``.

The steps are those of mmengine's ``Runner.build_dataloader`` (the Runner facade calls this
function): dataset, optional ``num_batch_per_epoch`` slice, sampler, batch sampler, worker
seeding, collate function, then every remaining key goes to ``DataLoader``. Unlike mmengine,
the config's keys are checked before anything is built, and every problem found is reported at
once with its key path (``train_dataloader.sampler``) and the valid choices.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mmlight.dataset.errors import (
    ConfigTypeError,
    MissingConfigKeyError,
    UnknownConfigKeyError,
    UnknownNameError,
    did_you_mean,
)
from mmlight.dataset.utils import worker_init_fn as default_worker_init_fn
from mmlight.dist import get_rank, get_world_size
from mmlight.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, config_key_path

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

__all__ = ["build_dataloader"]

_logger = logging.getLogger("mmlight")

# Keys build_dataloader consumes itself; everything else must be a DataLoader argument.
_CONSUMED_KEYS = (
    "dataset",
    "sampler",
    "batch_sampler",
    "num_batch_per_epoch",
    "worker_init_fn",
    "disable_subprocess_warning",
    "collate_fn",
)
# DataLoader arguments build_dataloader fills in itself.
_PASSED_KEYS = ("dataset", "sampler", "batch_sampler", "collate_fn", "worker_init_fn")
# DataLoader rejects these when it has no worker processes.
_WORKER_ONLY_KEYS = ("persistent_workers", "prefetch_factor")


class _SlicedDataset:
    """The first ``length`` samples of a dataset (other attributes pass through)."""

    def __init__(self, dataset: Any, length: int) -> None:
        self._dataset = dataset
        self._length = length

    def __getattr__(self, name: str) -> Any:
        if name in ("_dataset", "_length"):  # not yet set (e.g. while unpickling)
            raise AttributeError(name)
        return getattr(self._dataset, name)

    def __getitem__(self, idx: int) -> Any:
        return self._dataset[idx]

    def __len__(self) -> int:
        return self._length


def _dataloader_arguments() -> list[str]:
    from torch.utils.data import DataLoader

    names = list(inspect.signature(DataLoader.__init__).parameters)
    return [name for name in names if name != "self" and name not in _PASSED_KEYS]


def _registered_names(registry: Any) -> list[str]:
    return sorted(getattr(registry, "module_dict", {}) or {})


def _check_keys(cfg: Mapping, cfg_key: str) -> None:
    """Report every missing or unknown top-level key in one error."""
    missing = []
    if "dataset" not in cfg:
        missing.append(
            f"{cfg_key}.dataset is missing: give a dataset config dict (with 'type') or a "
            "Dataset instance"
        )
    if "sampler" not in cfg:
        samplers = _registered_names(DATA_SAMPLERS)
        missing.append(
            f"{cfg_key}.sampler is missing: give e.g. sampler=dict(type='DefaultSampler', "
            f"shuffle=True); registered samplers: {samplers}"
        )
    accepted = _dataloader_arguments()
    unknown = []
    for key in cfg:
        if key not in _CONSUMED_KEYS and key not in accepted:
            hint = did_you_mean(key, [*accepted, *_CONSUMED_KEYS])
            unknown.append(f"{cfg_key}.{key} is not a dataloader option{hint}")
    if not missing and not unknown:
        return
    problems = missing + unknown
    if unknown:
        problems.append(
            f"valid {cfg_key} keys: {sorted(_CONSUMED_KEYS)} and the DataLoader arguments "
            f"{accepted}"
        )
    message = f"invalid {cfg_key} config:\n  " + "\n  ".join(problems)
    # mmengine would fail on the missing key first (KeyError), on unknown keys in DataLoader
    # (TypeError).
    raise (MissingConfigKeyError if missing else UnknownConfigKeyError)(message)


def _get_batch_size(cfg: Mapping, cfg_key: str) -> int:
    if "batch_size" in cfg:
        return cfg["batch_size"]
    batch_sampler = cfg.get("batch_sampler")
    if isinstance(batch_sampler, Mapping) and "batch_size" in batch_sampler:
        return batch_sampler["batch_size"]
    raise ValueError(
        f"Please set batch_size in `Dataloader` or `batch_sampler`: {cfg_key}."
        f"num_batch_per_epoch needs {cfg_key}.batch_size or {cfg_key}.batch_sampler.batch_size"
    )


def _function_from(type_: Any, registry: Any, path: str) -> Callable:
    """A registered function by name, or ``type_`` itself when it is already callable."""
    if isinstance(type_, str):
        try:
            function = registry.get(type_)
        except KeyError:
            function = None
        if function is None:
            names = _registered_names(registry)
            raise UnknownNameError(
                f"{path}={type_!r} is not a registered function{did_you_mean(type_, names)}; "
                f"registered functions: {names}"
            )
        return function
    if callable(type_):
        return type_
    raise ConfigTypeError(
        f"{path} should be a registered function name or a callable, but got "
        f"{type(type_).__name__}: {type_!r}"
    )


def _function_partial(cfg: Any, path: str) -> Callable:
    """``dict(type=..., **kwargs)`` -> ``partial(function, **kwargs)``; callables pass through."""
    if isinstance(cfg, Mapping):
        kwargs = dict(cfg)
        if "type" not in kwargs:
            raise MissingConfigKeyError(
                f"{path} needs a 'type' key (a registered function name or a callable); "
                f"registered functions: {_registered_names(FUNCTIONS)}"
            )
        function = _function_from(kwargs.pop("type"), FUNCTIONS, f"{path}.type")
        return functools.partial(function, **kwargs)
    if callable(cfg):
        return cfg
    raise ConfigTypeError(
        f"{path} should be a dict or callable object, but got {type(cfg).__name__}: {cfg!r}"
    )


def _worker_init(cfg: dict, seed: int | None, cfg_key: str) -> Callable | None:
    disable_warning = cfg.pop("disable_subprocess_warning", False)
    if "worker_init_fn" in cfg:
        worker_cfg = cfg.pop("worker_init_fn")
        return (
            None
            if worker_cfg is None
            else _function_partial(worker_cfg, f"{cfg_key}.worker_init_fn")
        )
    if seed is None:
        return None
    if not isinstance(disable_warning, bool):
        raise ConfigTypeError(
            f"{cfg_key}.disable_subprocess_warning should be a bool, but got "
            f"{type(disable_warning).__name__}: {disable_warning!r}"
        )
    # None when the key is absent, as in mmengine (the hook then never runs: no workers).
    num_workers: Any = cfg.get("num_workers")
    return functools.partial(
        default_worker_init_fn,
        num_workers=num_workers,
        rank=get_rank(),
        seed=seed,
        disable_subprocess_warning=disable_warning,
    )


def _drop_worker_only_options(cfg: dict, cfg_key: str) -> None:
    if cfg.get("num_workers"):
        return
    for key in _WORKER_ONLY_KEYS:
        if cfg.get(key) not in (None, False):
            _logger.warning(
                "%s.%s=%r is ignored because %s.num_workers is 0 (no worker processes)",
                cfg_key,
                key,
                cfg[key],
                cfg_key,
            )
            del cfg[key]


def build_dataloader(
    dataloader_cfg: DataLoader | Mapping,
    seed: int | None = None,
    diff_rank_seed: bool = False,
    cfg_key: str = "dataloader",
) -> DataLoader:
    """Build a ``DataLoader`` from an mmengine-style config (a DataLoader is returned as is).

    Args:
        dataloader_cfg: ``dict(dataset=..., sampler=..., batch_size=..., ...)``.
        seed: Default sampler seed, and the base of the per-worker seeds.
        diff_rank_seed: Ranks use different seeds, so samplers get ``seed=None`` and agree on
            a broadcast one (their shards must come from one permutation).
        cfg_key: How the config is named in error messages, e.g. ``'train_dataloader'``.
    """
    from torch.utils.data import DataLoader

    if isinstance(dataloader_cfg, DataLoader):
        return dataloader_cfg
    if not isinstance(dataloader_cfg, Mapping):
        raise ConfigTypeError(
            f"{cfg_key} should be a dict or a DataLoader, but got "
            f"{type(dataloader_cfg).__name__}: {dataloader_cfg!r}"
        )
    _check_keys(dataloader_cfg, cfg_key)
    cfg = copy.deepcopy(dataloader_cfg)
    if not isinstance(cfg, dict):
        cfg = dict(cfg)

    dataset_cfg = cfg.pop("dataset")
    if isinstance(dataset_cfg, dict):
        with config_key_path(f"{cfg_key}.dataset"):
            dataset = DATASETS.build(dataset_cfg)
        if hasattr(dataset, "full_init"):
            dataset.full_init()
    else:
        dataset = dataset_cfg  # an instance (DataLoader rejects anything unusable)

    num_batch_per_epoch = cfg.pop("num_batch_per_epoch", None)
    if num_batch_per_epoch is not None:
        batch_size = _get_batch_size(cfg, cfg_key)
        dataset = _SlicedDataset(dataset, num_batch_per_epoch * batch_size * get_world_size())

    sampler_cfg = cfg.pop("sampler")
    if isinstance(sampler_cfg, dict):
        sampler_args = dict(dataset=dataset, seed=None if diff_rank_seed else seed)
        with config_key_path(f"{cfg_key}.sampler"):
            sampler = DATA_SAMPLERS.build(sampler_cfg, default_args=sampler_args)
    else:
        sampler = sampler_cfg

    batch_sampler_cfg = cfg.pop("batch_sampler", None)
    if isinstance(batch_sampler_cfg, dict):
        batch_args = dict(sampler=sampler)
        if "batch_size" in cfg:
            batch_args["batch_size"] = cfg.pop("batch_size")
        with config_key_path(f"{cfg_key}.batch_sampler"):
            batch_sampler = DATA_SAMPLERS.build(batch_sampler_cfg, default_args=batch_args)
    else:
        batch_sampler = batch_sampler_cfg

    worker_init = _worker_init(cfg, seed, cfg_key)
    _drop_worker_only_options(cfg, cfg_key)
    collate_fn = _function_partial(
        cfg.pop("collate_fn", dict(type="pseudo_collate")), f"{cfg_key}.collate_fn"
    )
    return DataLoader(
        dataset=dataset,
        sampler=sampler if batch_sampler is None else None,
        batch_sampler=batch_sampler,
        collate_fn=collate_fn,
        worker_init_fn=worker_init,
        **cfg,
    )
