"""MMEngine's model wrappers and strategy configs -> a Lightning strategy.

MMEngine wraps the model itself (``model_wrapper_cfg``, ``find_unused_parameters``,
``sync_bn``; FlexibleRunner's ``strategy=``). Under Lightning the strategy wraps the
LightningModule, so each of those settings becomes a Lightning strategy argument instead:

- no ``model_wrapper_cfg`` (distributed) -> ``DDPStrategy(broadcast_buffers=False,
  find_unused_parameters=cfg.find_unused_parameters)``, MMEngine's defaults;
- ``model_wrapper_cfg=dict(type=...)`` -> the strategy :data:`MODEL_WRAPPER_TABLE` names:
  ``DDPStrategy(**the other keys)`` for MMEngine's and torch's DDP (torch DDP arguments such
  as ``static_graph``), ``MMSeparateDDPStrategy`` (one DDP per submodule) for
  ``'MMSeparateDistributedDataParallel'``, ``MMFSDPStrategy`` (shards the BaseModel as MMEngine
  does) for ``'MMFullyShardedDataParallel'``;
- another ``type`` that is a downstream package's subclass of mmengine's
  ``MMDistributedDataParallel`` -> the bridge's ``DownstreamDDPStrategy`` (wraps the BaseModel
  in that class, so its ``train_step`` runs; ``mmlight.bridge.model_wrapper``);
- ``strategy='ddp' | 'deepspeed_stage_2' | ...`` -> the same Lightning string (Lightning's FSDP
  names -> ``MMFSDPStrategy``);
- ``strategy=dict(type='DDPStrategy' | 'FSDPStrategy' | 'DeepSpeedStrategy' | ...)`` (mmengine's
  FlexibleRunner strategies) -> :data:`~mmlight.lightning.mm_strategies.STRATEGY_TABLE`;
- ``sync_bn='torch'`` -> ``Trainer(sync_batchnorm=True)`` (Lightning converts the layers).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from typing import Any

from mmlight.config.errors import did_you_mean
from mmlight.lightning.mm_strategies import (
    STRATEGY_TABLE,
    LightningStrategyCall,
    StrategyConfigError,
    deepspeed_install_hint,
    translate_strategy,
)

__all__ = [
    "DDP_WRAPPER_TYPES",
    "MODEL_WRAPPER_TABLE",
    "STRATEGY_TABLE",
    "StrategyConfigError",
    "check_strategy_name",
    "model_wrapper_call",
    "strategy_from_config",
    "strategy_from_model_wrapper",
    "sync_bn_trainer_kwargs",
]

_log = logging.getLogger("mmlight.lightning")

# Keys of mmengine's DDP wrapper that torch's DDP does not take.
_MMENGINE_ONLY_DDP_KEYS = ("detect_anomalous_params",)

# (options, process group backend, where in the config) -> the Lightning strategy call.
WrapperBuilder = Callable[[dict[str, Any], "str | None", str], LightningStrategyCall]


def _strategy_owned(name: str, strategy: str) -> WrapperBuilder:
    def refuse(options: dict[str, Any], backend: str | None, where: str) -> LightningStrategyCall:
        raise StrategyConfigError(
            f"{where}.type={name!r}: this wrapper is built by mmengine's {strategy}, not by a "
            f"config's model wrapper; set strategy=dict(type={strategy!r}, ...) instead"
        )

    return refuse


def _deepspeed_check(name: str) -> None:
    missing = deepspeed_install_hint(f"strategy {name!r}")
    if missing is not None:
        raise missing


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


def _ddp_call(cls: str) -> WrapperBuilder:
    def build(options: dict[str, Any], backend: str | None, where: str) -> LightningStrategyCall:
        kwargs = dict(process_group_backend=backend, **_ddp_kwargs(options, where))
        return LightningStrategyCall(cls, kwargs)

    return build


def _separate_ddp(
    options: dict[str, Any], backend: str | None, where: str
) -> LightningStrategyCall:
    # detect_anomalous_params is kept: each submodule's MMDistributedDataParallel takes it.
    anomalous = options.pop("detect_anomalous_params", None)
    kwargs = dict(process_group_backend=backend, **_ddp_kwargs(options, where))
    if anomalous is not None:
        kwargs["detect_anomalous_params"] = anomalous
    return LightningStrategyCall("mmlight.lightning.separate_ddp.MMSeparateDDPStrategy", kwargs)


def _fsdp_wrapper(
    options: dict[str, Any], backend: str | None, where: str
) -> LightningStrategyCall:
    options.pop("module", None)
    return LightningStrategyCall(
        "mmlight.lightning.fsdp.MMFSDPStrategy",
        dict(process_group_backend=backend, wrapper_cfg=options),
    )


def _data_parallel(
    options: dict[str, Any], backend: str | None, where: str
) -> LightningStrategyCall:
    raise StrategyConfigError(
        f"{where}.type='DataParallel' (one process driving several GPUs) has no Lightning "
        "strategy (Lightning 2 removed it); launch one process per GPU instead (a launcher, "
        "or trainer=dict(devices=N)), which uses DDP"
    )


# mmengine model wrapper type -> (the Lightning strategy that plays its part, its builder).
MODEL_WRAPPER_TABLE: dict[str, tuple[str, WrapperBuilder]] = {
    "MMDistributedDataParallel": (
        "lightning DDPStrategy(**DDP arguments) around the LightningModule",
        _ddp_call("lightning.pytorch.strategies.DDPStrategy"),
    ),
    "DistributedDataParallel": (
        "lightning DDPStrategy(**DDP arguments) around the LightningModule",
        _ddp_call("lightning.pytorch.strategies.DDPStrategy"),
    ),
    "MMSeparateDistributedDataParallel": (
        "mmlight.lightning.separate_ddp.MMSeparateDDPStrategy (a DDPStrategy wrapping each "
        "submodule of the BaseModel in its own DDP)",
        _separate_ddp,
    ),
    "MMFullyShardedDataParallel": (
        "mmlight.lightning.fsdp.MMFSDPStrategy (an FSDPStrategy sharding the BaseModel)",
        _fsdp_wrapper,
    ),
    "FullyShardedDataParallel": (
        "mmlight.lightning.fsdp.MMFSDPStrategy (an FSDPStrategy sharding the BaseModel)",
        _fsdp_wrapper,
    ),
    "DataParallel": ("none: refused (Lightning 2 has no DataParallel strategy)", _data_parallel),
    # built inside mmengine's strategies, never named by a config on its own
    "MMDeepSpeedEngineWrapper": (
        "none: refused (strategy=dict(type='DeepSpeedStrategy') builds it)",
        _strategy_owned("MMDeepSpeedEngineWrapper", "DeepSpeedStrategy"),
    ),
    "ColossalAIModelWrapper": (
        "none: refused (ColossalAI is not supported on Lightning)",
        _strategy_owned("ColossalAIModelWrapper", "ColossalAIStrategy"),
    ),
    "CollosalAIModelWrapper": (  # mmengine's misspelt alias of the one above
        "none: refused (ColossalAI is not supported on Lightning)",
        _strategy_owned("CollosalAIModelWrapper", "ColossalAIStrategy"),
    ),
}
DDP_WRAPPER_TYPES = ("MMDistributedDataParallel", "DistributedDataParallel")


def model_wrapper_call(
    model_wrapper_cfg: Mapping[str, Any],
    process_group_backend: str | None = None,
    where: str = "model_wrapper_cfg",
) -> LightningStrategyCall:
    """``model_wrapper_cfg`` (or a strategy's ``model_wrapper``) -> the Lightning strategy call."""
    if not isinstance(model_wrapper_cfg, Mapping):
        raise StrategyConfigError(
            f"{where} must be a dict, got {type(model_wrapper_cfg).__name__}"
        )
    options = dict(model_wrapper_cfg)
    wrapper_type = given = options.pop("type", "MMDistributedDataParallel")
    if isinstance(wrapper_type, type):
        wrapper_type = wrapper_type.__name__
    entry = MODEL_WRAPPER_TABLE.get(wrapper_type) if isinstance(wrapper_type, str) else None
    if entry is None:
        # a downstream package's subclass of mmengine's wrapper (the bridge maps it, if any)
        from mmlight import bridge

        downstream = bridge.model_wrapper_builder(given)
        if downstream is not None:
            built: LightningStrategyCall = downstream(options, process_group_backend, where)
            return built
        known = [name for name, (lightning, _) in MODEL_WRAPPER_TABLE.items()
                 if not lightning.startswith("none")]
        raise StrategyConfigError(
            f"{where}.type={wrapper_type!r} is not a model wrapper mmlight can map to "
            f"Lightning; choose one of {', '.join(map(repr, known))}."
            f"{did_you_mean(str(wrapper_type), known)}"
        )
    return entry[1](options, process_group_backend, where)


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
    return model_wrapper_call(model_wrapper_cfg, process_group_backend).build()


def strategy_from_config(
    strategy: Any, process_group_backend: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The config's ``strategy`` entry -> (Lightning strategy, extra Trainer kwargs).

    A string passes through; a ``lightning`` Strategy instance is copied (a strategy serves
    one Trainer, and the Runner builds one per stage); a dict names an mmengine strategy
    (FlexibleRunner's ``strategy=dict(type=...)``), translated by
    :data:`mmlight.lightning.mm_strategies.STRATEGY_TABLE`.
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
    call = translate_strategy(strategy, process_group_backend)
    return call.build(), dict(call.trainer_kwargs)


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
