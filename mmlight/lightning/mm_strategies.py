"""MMEngine's strategy configs (FlexibleRunner's ``strategy=dict(type=...)``) -> Lightning.

:data:`STRATEGY_TABLE` is the whole mapping: for each strategy name mmengine 0.10.7 registers
in ``STRATEGIES``, the Lightning strategy it becomes and the function that translates
mmengine's constructor arguments. Translating is separate from building
(:class:`LightningStrategyCall`), so the arguments can be checked without starting a process
group or importing DeepSpeed.

mmengine's arguments and where they go:

- ``DDPStrategy(model_wrapper=None, sync_bn=None)``: ``model_wrapper`` is a
  ``model_wrapper_cfg`` (default ``dict(type='MMDistributedDataParallel',
  broadcast_buffers=False)``) and picks the Lightning strategy the same way;
  ``sync_bn='torch'`` -> ``Trainer(sync_batchnorm=True)``.
- ``FSDPStrategy(model_wrapper=None, skip_init_weights=False, state_dict_cfg='local',
  activation_checkpointing=None)``: ``model_wrapper`` -> ``MMFullyShardedDataParallel``'s
  arguments (``MMFSDPStrategy(wrapper_cfg=...)``); ``activation_checkpointing=dict(check_fn=...,
  **kwargs)`` -> torch's ``apply_activation_checkpointing`` arguments; checkpoints are always
  written whole (MMEngine's layout), so ``state_dict_cfg`` only decides nothing here.
- ``DeepSpeedStrategy(config=None, zero_optimization=None, gradient_clipping=None, fp16=None,
  bf16=None, amp=None, activation_checkpointing=None, aio=None,
  train_micro_batch_size_per_gpu=None, gradient_accumulation_steps=None,
  steps_per_print=10**13, exclude_frozen_parameters=None)``: one DeepSpeed config dict,
  assembled as mmengine assembles it, -> ``lightning DeepSpeedStrategy(config=...)``.
- ``SingleDeviceStrategy()`` -> Lightning's ``'single_device'``.
- ``ColossalAIStrategy``: refused; Lightning has no ColossalAI strategy.

Keys mmengine does not know pass through as arguments of the Lightning class (e.g.
``timeout``, ``static_graph``). ``work_dir``, ``experiment_name``, ``env_kwargs``,
``log_kwargs`` and ``auto_scale_lr`` are the Runner's own settings in mmlight and refused here.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "STRATEGY_TABLE",
    "LightningStrategyCall",
    "StrategyConfigError",
    "StrategyRow",
    "deepspeed_install_hint",
    "translate_strategy",
]

_log = logging.getLogger("mmlight.lightning")

# BaseStrategy's arguments: FlexibleRunner passes its own; mmlight's Runner owns them.
_RUNNER_OWNED = ("work_dir", "experiment_name", "env_kwargs", "log_kwargs", "auto_scale_lr")


class StrategyConfigError(ValueError):
    """``model_wrapper_cfg`` or ``strategy`` names something mmlight cannot run."""


def deepspeed_install_hint(what: str) -> ModuleNotFoundError | None:
    """The error to raise when ``what`` needs DeepSpeed and it is not installed, else None."""
    if importlib.util.find_spec("deepspeed") is not None:
        return None
    return ModuleNotFoundError(
        f"{what} needs DeepSpeed, which is not installed: pip install deepspeed "
        "(DeepSpeed is not installed. Please check "
        "https://github.com/microsoft/DeepSpeed#installation.)"
    )


@dataclass(frozen=True)
class LightningStrategyCall:
    """What a strategy dict asks for: a class (dotted path) or name, and its arguments.

    ``target`` is a dotted class path or a Lightning strategy name (no arguments then);
    ``trainer_kwargs`` are the extra ``lightning.Trainer`` arguments it implies.
    """

    target: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    trainer_kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Any:
        """A new strategy object (or the Lightning name): one per Trainer."""
        if "." not in self.target:
            return self.target
        module_name, _, name = self.target.rpartition(".")
        cls = getattr(importlib.import_module(module_name), name)
        try:
            return cls(**copy.copy(self.kwargs))
        except TypeError as error:
            raise StrategyConfigError(
                f"strategy: {name} does not take one of the arguments "
                f"{sorted(self.kwargs)}: {error}"
            ) from error


Translator = Callable[[dict[str, Any], "str | None"], LightningStrategyCall]


@dataclass(frozen=True)
class StrategyRow:
    """One mmengine strategy: the Lightning strategy it becomes, and how."""

    lightning: str
    translate: Translator


def _sync_bn(options: dict[str, Any]) -> dict[str, Any]:
    from mmlight.lightning.dist_strategy import sync_bn_trainer_kwargs

    return sync_bn_trainer_kwargs(options.pop("sync_bn", None), "strategy.sync_bn")


def _ddp(options: dict[str, Any], backend: str | None) -> LightningStrategyCall:
    from mmlight.lightning.dist_strategy import model_wrapper_call

    trainer_kwargs = _sync_bn(options)
    wrapper = options.pop("model_wrapper", None)
    if wrapper is None:
        wrapper = dict(type="MMDistributedDataParallel", broadcast_buffers=False)
    call = model_wrapper_call(wrapper, backend, where="strategy.model_wrapper")
    # Any other key is an argument of the Lightning strategy class itself.
    return LightningStrategyCall(call.target, {**call.kwargs, **options}, trainer_kwargs)


def _check_fn(value: Any) -> Callable[..., Any]:
    from mmlight.model.wrappers.fully_sharded_distributed import _registered_function

    check_fn = _registered_function(value, "strategy.activation_checkpointing.check_fn")
    if check_fn is None:
        raise StrategyConfigError(
            "strategy.activation_checkpointing needs a check_fn: a FUNCTIONS name, a dict "
            "with a `type` key or a callable that says which submodules to checkpoint"
        )
    return check_fn


def _fsdp(options: dict[str, Any], backend: str | None) -> LightningStrategyCall:
    trainer_kwargs = _sync_bn(options)
    wrapper = dict(options.pop("model_wrapper", None) or {})
    wrapper_type = wrapper.pop("type", "MMFullyShardedDataParallel")
    if wrapper_type not in ("MMFullyShardedDataParallel", "FullyShardedDataParallel"):
        raise StrategyConfigError(
            f"strategy=dict(type='FSDPStrategy').model_wrapper.type={wrapper_type!r}: the FSDP "
            "strategy wraps the model in 'MMFullyShardedDataParallel'"
        )
    skip = options.pop("skip_init_weights", False)
    if not isinstance(skip, bool):
        raise StrategyConfigError(
            f"skip_init_weights must be a boolean, but got {type(skip)} "
            "(strategy.skip_init_weights)"
        )
    if skip:
        raise StrategyConfigError(
            "strategy.skip_init_weights=True (build the model on the meta device and let FSDP "
            "materialise it) is not supported by mmlight; drop it"
        )
    state_dict_cfg = options.pop("state_dict_cfg", "local")
    if state_dict_cfg not in ("local", "full"):
        _log.info(
            "strategy.state_dict_cfg=%r: mmlight writes whole (unsharded) checkpoints in "
            "MMEngine's layout under FSDP",
            state_dict_cfg,
        )
    checkpointing = options.pop("activation_checkpointing", None)
    kwargs: dict[str, Any] = dict(wrapper_cfg=wrapper, **options)
    kwargs.setdefault("process_group_backend", backend)
    if checkpointing is not None:
        checkpointing = dict(checkpointing)
        checkpointing["check_fn"] = _check_fn(checkpointing.pop("check_fn", None))
        kwargs["activation_checkpointing_kwargs"] = checkpointing
    return LightningStrategyCall("mmlight.lightning.fsdp.MMFSDPStrategy", kwargs, trainer_kwargs)


# mmengine's DeepSpeedStrategy keys that land in the DeepSpeed config under the same name.
_DEEPSPEED_CONFIG_KEYS = (
    "zero_optimization",
    "gradient_clipping",
    "fp16",
    "bf16",
    "amp",
    "activation_checkpointing",
    "aio",
    "train_micro_batch_size_per_gpu",
    "gradient_accumulation_steps",
)


def _deepspeed_config(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, (str, Path)):
        with open(config, encoding="utf-8") as stream:
            loaded: dict[str, Any] = json.load(stream)
        return loaded
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config))
    raise StrategyConfigError(
        "strategy.config must be a DeepSpeed config dict or the path of a JSON file, got "
        f"{type(config).__name__}"
    )


def _deepspeed(options: dict[str, Any], backend: str | None) -> LightningStrategyCall:
    config = _deepspeed_config(options.pop("config", None))
    for key in _DEEPSPEED_CONFIG_KEYS:
        value = options.pop(key, None)
        if value is not None:
            config[key] = value
    config.setdefault("gradient_accumulation_steps", 1)
    config["steps_per_print"] = options.pop("steps_per_print", 10000000000000)
    kwargs: dict[str, Any] = dict(config=config, process_group_backend=backend)
    inputs_to_half = options.pop("inputs_to_half", None)
    if inputs_to_half is not None:
        kwargs["inputs_to_half"] = list(inputs_to_half)
    exclude = options.pop("exclude_frozen_parameters", None)
    if exclude is not None:
        kwargs["exclude_frozen_parameters"] = bool(exclude)
    kwargs.update(options)
    return LightningStrategyCall("mmlight.lightning.deepspeed.MMDeepSpeedStrategy", kwargs)


def _single_device(options: dict[str, Any], backend: str | None) -> LightningStrategyCall:
    if options:
        raise StrategyConfigError(
            f"strategy=dict(type='SingleDeviceStrategy') takes no arguments in mmlight, got "
            f"{', '.join(sorted(options))}"
        )
    return LightningStrategyCall("single_device")


def _colossalai(options: dict[str, Any], backend: str | None) -> LightningStrategyCall:
    raise StrategyConfigError(
        "strategy=dict(type='ColossalAIStrategy') is not supported on Lightning: Lightning has "
        "no ColossalAI strategy (it was removed in Lightning 2.1). Use "
        "strategy=dict(type='FSDPStrategy', ...) or dict(type='DeepSpeedStrategy', ...) to "
        "shard a large model"
    )


STRATEGY_TABLE: dict[str, StrategyRow] = {
    "DDPStrategy": StrategyRow(
        "lightning DDPStrategy, or the strategy of its model_wrapper (as model_wrapper_cfg)", _ddp
    ),
    "FSDPStrategy": StrategyRow(
        "mmlight.lightning.fsdp.MMFSDPStrategy (Lightning's FSDPStrategy sharding the "
        "BaseModel with MMFullyShardedDataParallel)",
        _fsdp,
    ),
    "DeepSpeedStrategy": StrategyRow(
        "mmlight.lightning.deepspeed.MMDeepSpeedStrategy (Lightning's DeepSpeedStrategy with "
        "the DeepSpeed config mmengine assembles)",
        _deepspeed,
    ),
    "SingleDeviceStrategy": StrategyRow("Lightning's 'single_device'", _single_device),
    "ColossalAIStrategy": StrategyRow("none: refused (Lightning has no ColossalAI)", _colossalai),
}


def translate_strategy(
    strategy_cfg: Mapping[str, Any], process_group_backend: str | None = None
) -> LightningStrategyCall:
    """``dict(type=<mmengine strategy>, **its arguments)`` -> the Lightning strategy call."""
    from mmlight.config.errors import did_you_mean

    options = dict(strategy_cfg)
    strategy_type = options.pop("type", None)
    if isinstance(strategy_type, type):
        strategy_type = strategy_type.__name__
    row = STRATEGY_TABLE.get(strategy_type) if isinstance(strategy_type, str) else None
    if row is None:
        hint = did_you_mean(str(strategy_type), STRATEGY_TABLE)
        raise StrategyConfigError(
            f"strategy.type={strategy_type!r} is not supported; choose one of "
            f"{', '.join(map(repr, STRATEGY_TABLE))}.{hint}"
        )
    owned = [key for key in _RUNNER_OWNED if key in options]
    if owned:
        raise StrategyConfigError(
            f"strategy.{owned[0]} is a Runner setting in mmlight; set it at the top level of the "
            "config (work_dir, experiment_name, env_cfg, log_level, auto_scale_lr)"
        )
    return row.translate(options, process_group_backend)


def _registered_strategy(name: str) -> type:
    """A class under mmengine's name: building it returns the Lightning strategy of the table.

    ``STRATEGIES.build(dict(type='FSDPStrategy', ...))`` thus gives what the Runner would run.
    ``__new__`` returns the Lightning object, so the class itself is never instantiated.
    """

    def __new__(cls: type, **kwargs: Any) -> Any:
        backend = kwargs.pop("process_group_backend", None)
        call = translate_strategy(dict(type=name, **kwargs), backend)
        if call.trainer_kwargs:
            raise StrategyConfigError(
                f"{name}: {', '.join(sorted(call.trainer_kwargs))} is a lightning.Trainer "
                "argument, which a strategy object cannot carry; give the strategy dict to the "
                "Runner (the config's `strategy` key) instead"
            )
        return call.build()

    doc = f"mmengine's {name} on Lightning: {STRATEGY_TABLE[name].lightning}."
    return type(name, (), {"__new__": __new__, "__doc__": doc, "__module__": __name__})


def _register_strategies() -> None:
    """mmengine's strategy names in ``STRATEGIES``, each building what the table says."""
    from mmlight.registry import STRATEGIES

    for name in STRATEGY_TABLE:
        if name not in STRATEGIES.module_dict:
            STRATEGIES.register_module(name=name, module=_registered_strategy(name))


_register_strategies()
