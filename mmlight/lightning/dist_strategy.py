"""MMEngine's model wrappers and strategy configs -> a Lightning strategy.

MMEngine wraps the model itself (``model_wrapper_cfg``, ``find_unused_parameters``,
``sync_bn``; FlexibleRunner's ``strategy=``). Under Lightning the strategy wraps the
LightningModule, so each of those settings becomes a Lightning strategy argument instead:

- no ``model_wrapper_cfg`` (distributed) -> ``DDPStrategy(broadcast_buffers=False,
  find_unused_parameters=cfg.find_unused_parameters)``, MMEngine's defaults;
- ``model_wrapper_cfg=dict(type='MMDistributedDataParallel' or 'DistributedDataParallel',
  ...)`` -> ``DDPStrategy(**the other keys)`` (torch DDP arguments such as ``static_graph``);
- ``model_wrapper_cfg=dict(type='MMFullyShardedDataParallel', ...)``, ``strategy='fsdp'`` (and
  Lightning's other FSDP names) and ``strategy=dict(type='FSDPStrategy', ...)`` ->
  ``mmlight.lightning.fsdp.MMFSDPStrategy``, which shards the BaseModel as MMEngine does;
- ``strategy='ddp' | 'deepspeed_stage_2' | ...`` -> the same Lightning string;
- ``strategy=dict(type='DDPStrategy' | 'FSDPStrategy' | 'DeepSpeedStrategy', ...)`` -> the
  Lightning class of that name (its ``model_wrapper`` dict is merged into the arguments);
- ``sync_bn='torch'`` -> ``Trainer(sync_batchnorm=True)`` (Lightning converts the layers).
"""

from __future__ import annotations

import copy
import importlib.util
import logging
from collections.abc import Mapping
from typing import Any

from mmlight.config.errors import did_you_mean

__all__ = [
    "DDP_WRAPPER_TYPES",
    "STRATEGY_TYPES",
    "StrategyConfigError",
    "check_strategy_name",
    "strategy_from_config",
    "strategy_from_model_wrapper",
    "sync_bn_trainer_kwargs",
]

_log = logging.getLogger("mmlight.lightning")

DDP_WRAPPER_TYPES = ("MMDistributedDataParallel", "DistributedDataParallel")
_FSDP_WRAPPER_TYPES = ("MMFullyShardedDataParallel", "FullyShardedDataParallel")
# mmengine strategy type -> Lightning strategy class name.
STRATEGY_TYPES = {
    "DDPStrategy": "DDPStrategy",
    "FSDPStrategy": "FSDPStrategy",
    "DeepSpeedStrategy": "DeepSpeedStrategy",
    "SingleDeviceStrategy": "SingleDeviceStrategy",
}
# Keys of mmengine's DDP wrapper that torch's DDP does not take.
_MMENGINE_ONLY_DDP_KEYS = ("detect_anomalous_params",)


class StrategyConfigError(ValueError):
    """``model_wrapper_cfg`` or ``strategy`` names something mmlight cannot run."""


def _deepspeed_check(name: str) -> None:
    if importlib.util.find_spec("deepspeed") is None:
        raise ModuleNotFoundError(
            f"strategy {name!r} needs DeepSpeed, which is not installed: pip install deepspeed"
        )


def check_strategy_name(name: str) -> str:
    """A Lightning strategy string, checked against Lightning's registry with a hint."""
    from lightning.pytorch.strategies import StrategyRegistry

    valid = [*StrategyRegistry.available_strategies(), "auto"]
    if name not in valid:
        raise StrategyConfigError(
            f"strategy={name!r} is not a Lightning strategy name.{did_you_mean(name, valid)}"
        )
    if name.startswith("deepspeed"):
        _deepspeed_check(name)
    return name


def _ddp_kwargs(options: Mapping[str, Any], where: str) -> dict[str, Any]:
    kwargs = dict(options)
    for key in _MMENGINE_ONLY_DDP_KEYS:
        if kwargs.pop(key, None):
            _log.warning(
                "%s.%s is an mmengine debugging aid that torch's DDP does not have; ignored",
                where,
                key,
            )
    if kwargs.pop("device_ids", None) is not None:
        _log.info("%s.device_ids is ignored: Lightning assigns one device per process", where)
    kwargs.pop("module", None)
    return kwargs


def strategy_from_model_wrapper(
    model_wrapper_cfg: Mapping[str, Any] | None,
    find_unused_parameters: bool = False,
    process_group_backend: str | None = None,
) -> Any:
    """The Lightning strategy that plays the part of MMEngine's model wrapper."""
    from lightning.pytorch.strategies import DDPStrategy

    if model_wrapper_cfg is None:
        return DDPStrategy(
            process_group_backend=process_group_backend,
            broadcast_buffers=False,
            find_unused_parameters=bool(find_unused_parameters),
        )
    if not isinstance(model_wrapper_cfg, Mapping):
        raise StrategyConfigError(
            f"model_wrapper_cfg must be a dict, got {type(model_wrapper_cfg).__name__}"
        )
    options = dict(model_wrapper_cfg)
    wrapper_type = options.pop("type", "MMDistributedDataParallel")
    if wrapper_type in DDP_WRAPPER_TYPES:
        return DDPStrategy(
            process_group_backend=process_group_backend,
            **_ddp_kwargs(options, "model_wrapper_cfg"),
        )
    if wrapper_type in _FSDP_WRAPPER_TYPES:
        from mmlight.lightning.fsdp import MMFSDPStrategy

        return MMFSDPStrategy(process_group_backend=process_group_backend, wrapper_cfg=options)
    if wrapper_type == "MMSeparateDistributedDataParallel":
        raise StrategyConfigError(
            "model_wrapper_cfg.type='MMSeparateDistributedDataParallel' (one DDP per submodule, "
            "for GAN-style models) has no Lightning counterpart; use "
            "'MMDistributedDataParallel' with find_unused_parameters=True"
        )
    known = (*DDP_WRAPPER_TYPES, *_FSDP_WRAPPER_TYPES)
    raise StrategyConfigError(
        f"model_wrapper_cfg.type={wrapper_type!r} is not a model wrapper mmlight can map to "
        f"Lightning; choose one of {', '.join(map(repr, known))}."
        f"{did_you_mean(wrapper_type, known)}"
    )


def strategy_from_config(
    strategy: Any, process_group_backend: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The config's ``strategy`` entry -> (Lightning strategy, extra Trainer kwargs).

    A string passes through; a ``lightning`` Strategy instance is copied (a strategy serves
    one Trainer, and the Runner builds one per stage); a dict is built as the
    Lightning class its ``type`` names (mmengine's ``model_wrapper`` and ``sync_bn`` keys are
    translated, every other key is the Lightning class's argument).
    """
    import lightning.pytorch.strategies as pl_strategies

    if isinstance(strategy, str):
        name = check_strategy_name(strategy)
        return _fsdp_by_name(name, process_group_backend) or name, {}
    if isinstance(strategy, pl_strategies.Strategy):
        return copy.deepcopy(strategy), {}
    if not isinstance(strategy, Mapping):
        raise StrategyConfigError(
            "strategy must be a Lightning strategy name (e.g. 'ddp', 'fsdp', "
            "'deepspeed_stage_2'), a dict with a `type` key or a Lightning Strategy; got "
            f"{type(strategy).__name__}"
        )
    options = dict(strategy)
    strategy_type = options.pop("type", None)
    if strategy_type not in STRATEGY_TYPES:
        hint = did_you_mean(strategy_type, STRATEGY_TYPES)
        raise StrategyConfigError(
            f"strategy.type={strategy_type!r} is not supported; choose one of "
            f"{', '.join(map(repr, STRATEGY_TYPES))}.{hint}"
        )
    extra: dict[str, Any] = {}
    sync_bn = options.pop("sync_bn", None)
    if sync_bn is not None:
        extra.update(sync_bn_trainer_kwargs(sync_bn, "strategy.sync_bn"))
    wrapper = options.pop("model_wrapper", None)
    if wrapper:
        wrapper = dict(wrapper)
        wrapper.pop("type", None)
        options.update(_ddp_kwargs(wrapper, "strategy.model_wrapper"))
    if strategy_type == "DeepSpeedStrategy":
        _deepspeed_check("DeepSpeedStrategy")
    if strategy_type in ("DDPStrategy", "FSDPStrategy"):
        options.setdefault("process_group_backend", process_group_backend)
    cls = getattr(pl_strategies, STRATEGY_TYPES[strategy_type])
    if strategy_type == "FSDPStrategy":
        from mmlight.lightning.fsdp import MMFSDPStrategy

        cls = MMFSDPStrategy
    try:
        return cls(**options), extra
    except TypeError as error:
        raise StrategyConfigError(
            f"strategy=dict(type={strategy_type!r}, ...) has an argument Lightning's "
            f"{cls.__name__} does not take: {error}"
        ) from error


def _fsdp_by_name(name: str, process_group_backend: str | None) -> Any:
    """Lightning's FSDP strategy names ('fsdp', 'fsdp_cpu_offload') -> MMFSDPStrategy."""
    from lightning.pytorch.strategies import FSDPStrategy, StrategyRegistry

    # The plain dict lookup: the registry's own get() would build the strategy.
    entry = dict(StrategyRegistry).get(name)
    if not isinstance(entry, dict) or entry.get("strategy") is not FSDPStrategy:
        return None
    from mmlight.lightning.fsdp import MMFSDPStrategy

    options = dict(entry.get("init_params", {}))
    options.setdefault("process_group_backend", process_group_backend)
    return MMFSDPStrategy(**options)


def sync_bn_trainer_kwargs(sync_bn: Any, where: str = "sync_bn") -> dict[str, Any]:
    """``sync_bn='torch'`` -> Lightning converts BatchNorm layers when it sets up DDP."""
    if sync_bn is None:
        return {}
    if sync_bn == "torch":
        return dict(sync_batchnorm=True)
    if sync_bn == "mmcv":
        raise StrategyConfigError(
            f"{where}='mmcv' needs mmcv's SyncBatchNorm, which mmlight does not use; set "
            f"{where}='torch' (torch.nn.SyncBatchNorm)"
        )
    raise StrategyConfigError(f"{where} must be 'torch' (or None), got {sync_bn!r}")
