"""``DefaultOptimWrapperConstructor``: model + ``optim_wrapper`` config -> optimizer wrapper.

Without ``paramwise_cfg`` every parameter shares the optimizer's settings. With it, each
parameter becomes its own param group whose ``lr``/``weight_decay`` are the optimizer's times
multipliers picked by mmengine's rules, in mmengine's precedence:

- ``custom_keys``: the longest key that is a substring of ``'<module path>.<param name>'``
  (ties: alphabetical) sets ``lr_mult``/``decay_mult`` and copies its other entries into the
  group; no other rule then applies to that parameter;
- otherwise ``bias_lr_mult`` (biases outside norm layers and DCN), ``dcn_offset_lr_mult``
  (``conv_offset`` convs inside a DCN), and for weight decay the first of ``norm_decay_mult``,
  ``bias_decay_mult``, ``dwconv_decay_mult``, ``flat_decay_mult`` (1-D params) that applies.

DCN modules are recognised by class name (``DeformConv2d``/``ModulatedDeformConv2d`` anywhere in
the class's bases), which is what mmengine's ``isinstance`` check on mmcv's classes amounts to,
without needing mmcv.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlight.logging import print_log
from mmlight.optim.errors import OptimKeyError, OptimTypeError, OptimValueError
from mmlight.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS
from mmlight.registry.errors import closest_names, config_key_path, did_you_mean

if TYPE_CHECKING:
    from torch import nn

    from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper

__all__ = ["DefaultOptimWrapperConstructor"]

_PATH = "optim_wrapper.paramwise_cfg"
_DECAY_MULTS_NEEDING_WD = ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult")
_KNOWN_PARAMWISE_KEYS = (
    "custom_keys",
    "bias_lr_mult",
    "bias_decay_mult",
    "norm_decay_mult",
    "dwconv_decay_mult",
    "flat_decay_mult",
    "dcn_offset_lr_mult",
    "bypass_duplicate",
)
_DCN_CLASS_NAMES = frozenset({"DeformConv2d", "ModulatedDeformConv2d"})


def _is_dcn(module: nn.Module) -> bool:
    return any(cls.__name__ in _DCN_CLASS_NAMES for cls in type(module).__mro__)


def _is_norm(module: nn.Module) -> bool:
    from torch.nn import GroupNorm, LayerNorm
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.instancenorm import _InstanceNorm

    return isinstance(module, (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm))


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DefaultOptimWrapperConstructor:
    """Build an optimizer wrapper for a model, with optional per-parameter settings.

    Args:
        optim_wrapper_cfg: the ``optim_wrapper`` config: ``optimizer`` (required) and the
            wrapper's own arguments (``type`` defaults to ``'OptimWrapper'``).
        paramwise_cfg: per-parameter options (see the module docstring).
    """

    def __init__(
        self, optim_wrapper_cfg: dict[str, Any], paramwise_cfg: dict[str, Any] | None = None
    ) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise OptimTypeError(
                f"optim_wrapper should be a dict, but got {type(optim_wrapper_cfg).__name__}"
            )
        if "optimizer" not in optim_wrapper_cfg:
            raise OptimKeyError(
                '`optim_wrapper_cfg` must contain "optimizer" config: '
                "optim_wrapper must contain an 'optimizer' config, e.g. "
                "optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)); got keys "
                f"{sorted(map(str, optim_wrapper_cfg))}"
            )
        self.optim_wrapper_cfg = optim_wrapper_cfg.copy()
        self.optimizer_cfg = self.optim_wrapper_cfg.pop("optimizer")
        if not isinstance(self.optimizer_cfg, Mapping):
            raise OptimTypeError(
                "optim_wrapper.optimizer should be a config dict such as dict(type='SGD', "
                f"lr=0.01), but got {type(self.optimizer_cfg).__name__}"
            )
        self.paramwise_cfg: dict[str, Any] = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr = self.optimizer_cfg.get("lr", None)
        self.base_wd = self.optimizer_cfg.get("weight_decay", None)
        self._validate_cfg()

    # ------------------------------------------------------------------ validation
    def _validate_cfg(self) -> None:
        cfg = self.paramwise_cfg
        if not isinstance(cfg, dict):
            raise OptimTypeError(f"{_PATH} should be None or a dict, but got {type(cfg).__name__}")
        custom_keys = cfg.get("custom_keys", {})
        if "custom_keys" in cfg and not isinstance(custom_keys, dict):
            raise OptimTypeError(
                f"{_PATH}.custom_keys should be a dict mapping name substrings to "
                f"dict(lr_mult=..., decay_mult=...), but got {type(custom_keys).__name__}"
            )
        for key, value in custom_keys.items():
            if not isinstance(value, dict):
                raise OptimTypeError(
                    f"{_PATH}.custom_keys[{key!r}] should be a dict such as "
                    f"dict(lr_mult=0.1, decay_mult=1.0), but got {type(value).__name__}: "
                    f"{value!r}"
                )
        if self.base_wd is None:
            offending = [
                f"{_PATH}.custom_keys[{key!r}].decay_mult"
                for key, value in custom_keys.items()
                if "decay_mult" in value
            ] + [f"{_PATH}.{key}" for key in _DECAY_MULTS_NEEDING_WD if key in cfg]
            if offending:
                raise OptimValueError(
                    f"{', '.join(offending)} multipl{'ies' if len(offending) == 1 else 'y'} "
                    "the weight decay, but optim_wrapper.optimizer sets no weight_decay: add "
                    "weight_decay=... to the optimizer config, or remove "
                    f"{'it' if len(offending) == 1 else 'them'}"
                )
            if "flat_decay_mult" in cfg:
                print_log(
                    f"{_PATH}.flat_decay_mult has no effect: optim_wrapper.optimizer sets no "
                    "weight_decay",
                    logger="current",
                    level=logging.WARNING,
                )
        if type(self) is DefaultOptimWrapperConstructor:
            for key in cfg:
                if key not in _KNOWN_PARAMWISE_KEYS:
                    hint = did_you_mean(closest_names(str(key), _KNOWN_PARAMWISE_KEYS, n=1))
                    print_log(
                        f"{_PATH}.{key} is not an option of DefaultOptimWrapperConstructor and "
                        f"is ignored{'; ' + hint if hint else ''} (options: "
                        f"{', '.join(_KNOWN_PARAMWISE_KEYS)})",
                        logger="current",
                        level=logging.WARNING,
                    )

    def _lr_times(self, mult: float, option: str) -> Any:
        if self.base_lr is None:
            raise OptimTypeError(
                f"{_PATH}.{option} multiplies the learning rate, but optim_wrapper.optimizer "
                "sets no lr: add lr=... to the optimizer config"
            )
        return self.base_lr * mult

    @staticmethod
    def _is_in(param_group: dict[str, Any], param_group_list: list[dict[str, Any]]) -> bool:
        """Whether a parameter of ``param_group`` is already in one of the groups."""
        seen = {id(p) for group in param_group_list for p in group["params"]}
        return any(id(p) in seen for p in param_group["params"])

    # ------------------------------------------------------------------ param groups
    def add_params(
        self,
        params: list[dict[str, Any]],
        module: nn.Module,
        prefix: str = "",
        is_dcn_module: int | float | bool | None = None,
    ) -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``."""
        import torch

        cfg = self.paramwise_cfg
        custom_keys: dict[str, Any] = cfg.get("custom_keys", {})
        # longest first; among equal lengths, alphabetical
        sorted_keys = sorted(sorted(custom_keys), key=len, reverse=True)
        bias_lr_mult = cfg.get("bias_lr_mult", None)
        bias_decay_mult = cfg.get("bias_decay_mult", None)
        norm_decay_mult = cfg.get("norm_decay_mult", None)
        dwconv_decay_mult = cfg.get("dwconv_decay_mult", None)
        flat_decay_mult = cfg.get("flat_decay_mult", None)
        bypass_duplicate = cfg.get("bypass_duplicate", False)
        dcn_offset_lr_mult = cfg.get("dcn_offset_lr_mult", None)

        is_norm = _is_norm(module)
        is_conv2d = isinstance(module, torch.nn.Conv2d)
        is_dwconv = is_conv2d and module.in_channels == module.groups

        for name, param in module.named_parameters(recurse=False):
            full_name = f"{prefix}.{name}" if prefix else name
            group: dict[str, Any] = {"params": [param]}
            if bypass_duplicate and self._is_in(group, params):
                print_log(
                    f"{full_name} is a duplicate of a parameter already added; it is skipped "
                    "since bypass_duplicate=True",
                    logger="current",
                    level=logging.WARNING,
                )
                continue
            if not param.requires_grad:
                print_log(
                    f"{full_name} is skipped since its requires_grad=False",
                    logger="current",
                    level=logging.WARNING,
                )
                continue

            matched = next((key for key in sorted_keys if key in f"{prefix}.{name}"), None)
            if matched is not None:
                options = custom_keys[matched]
                group["lr"] = self._lr_times(
                    options.get("lr_mult", 1.0), f"custom_keys[{matched!r}]"
                )
                if self.base_wd is not None:
                    group["weight_decay"] = self.base_wd * options.get("decay_mult", 1.0)
                group.update(options)
            else:
                if name == "bias" and not (is_norm or is_dcn_module) and bias_lr_mult is not None:
                    group["lr"] = self._lr_times(bias_lr_mult, "bias_lr_mult")
                if (
                    "conv_offset" in prefix
                    and is_dcn_module
                    and dcn_offset_lr_mult is not None
                    and is_conv2d
                ):
                    group["lr"] = self._lr_times(dcn_offset_lr_mult, "dcn_offset_lr_mult")
                if self.base_wd is not None:
                    if is_norm and norm_decay_mult is not None:
                        group["weight_decay"] = self.base_wd * norm_decay_mult
                    elif name == "bias" and not is_dcn_module and bias_decay_mult is not None:
                        group["weight_decay"] = self.base_wd * bias_decay_mult
                    elif is_dwconv and dwconv_decay_mult is not None:
                        group["weight_decay"] = self.base_wd * dwconv_decay_mult
                    elif param.ndim == 1 and not is_dcn_module and flat_decay_mult is not None:
                        group["weight_decay"] = self.base_wd * flat_decay_mult
            params.append(group)
            for key, value in group.items():
                if key != "params":
                    print_log(f"paramwise_options -- {full_name}:{key}={value}", logger="current")

        child_is_dcn = _is_dcn(module)
        for child_name, child in module.named_children():
            child_prefix = f"{prefix}.{child_name}" if prefix else child_name
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=child_is_dcn)

    # ------------------------------------------------------------------ build
    def _optimizer_class(self) -> Any:
        """The optimizer class the config names (the registry's error if it names none)."""
        opt_type = self.optimizer_cfg.get("type", None)
        found: Any = opt_type
        if isinstance(opt_type, str):
            with OPTIMIZERS.switch_scope_and_registry(None) as registry:
                found = registry.get(opt_type)
        if found is None or not callable(found):
            with config_key_path("optimizer"):
                OPTIMIZERS.build(dict(self.optimizer_cfg))  # raises the registry's error
            raise OptimTypeError(  # pragma: no cover  (the build above always raises)
                f"optim_wrapper.optimizer.type {opt_type!r} is not an optimizer class"
            )
        return found

    def __call__(self, model: nn.Module) -> OptimWrapper:
        if hasattr(model, "module"):
            model = model.module  # type: ignore[assignment]
        optim_wrapper_cfg = self.optim_wrapper_cfg.copy()
        optim_wrapper_cfg.setdefault("type", "OptimWrapper")
        optimizer_cfg = dict(self.optimizer_cfg)
        first_arg = next(iter(inspect.signature(self._optimizer_class()).parameters))
        if not self.paramwise_cfg:
            optimizer_cfg[first_arg] = model.parameters()
        else:
            params: list[dict[str, Any]] = []
            self.add_params(params, model)
            optimizer_cfg[first_arg] = params
        with config_key_path("optimizer"):
            optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(optim_wrapper_cfg, default_args={"optimizer": optimizer})
