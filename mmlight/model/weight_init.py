"""Apply ``init_cfg`` dicts to modules: ``initialize`` plus the helpers mmengine exposes here.

An init_cfg is a dict (or a list of them) naming an initializer in WEIGHT_INITIALIZERS.
``layer`` restricts it to submodules of those types; ``override`` re-initialises named child
attributes as a whole, either with its own ``type`` and arguments or, when it only gives
``name``, with the outer cfg's.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlight.registry import WEIGHT_INITIALIZERS, build_from_cfg

from .errors import ModelTypeError, ModelValueError
from .init_functions import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)
from .initializers import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    PretrainedInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
)

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "BaseInit",
    "Caffe2XavierInit",
    "ConstantInit",
    "KaimingInit",
    "NormalInit",
    "PretrainedInit",
    "TruncNormalInit",
    "UniformInit",
    "XavierInit",
    "bias_init_with_prob",
    "caffe2_xavier_init",
    "constant_init",
    "initialize",
    "kaiming_init",
    "normal_init",
    "trunc_normal_",
    "trunc_normal_init",
    "uniform_init",
    "update_init_info",
    "xavier_init",
]


class InitOverrideError(RuntimeError):
    """``override`` names an attribute the module does not have (mmengine: RuntimeError)."""


def _apply(module: nn.Module, cfg: Mapping[str, Any], wholemodule: bool = False) -> None:
    initializer = build_from_cfg(cfg, WEIGHT_INITIALIZERS)
    # no `layer` filter on the override path: the named attribute is initialised entirely
    initializer.wholemodule = wholemodule
    initializer(module)


def _apply_overrides(module: nn.Module, override: Any, outer_cfg: dict[str, Any]) -> None:
    if not isinstance(override, (Mapping, list, tuple)):
        raise ModelTypeError(
            f"init_cfg override must be a dict or a list of dicts, but got {override!r} "
            f"({type(override).__name__})"
        )
    overrides = [override] if isinstance(override, Mapping) else list(override)
    for item in overrides:
        if not isinstance(item, Mapping):
            raise ModelTypeError(
                f"each init_cfg override must be a dict, but got {item!r} ({type(item).__name__})"
            )
        cfg = dict(copy.deepcopy(item))
        name = cfg.pop("name", None)
        if name is None:
            raise ModelValueError(
                f"init_cfg override {dict(item)!r} has no 'name' key; give the attribute to "
                "initialise, e.g. override=dict(type='Normal', name='fc_cls', std=0.01)"
            )
        if not cfg:
            # only a name: reuse the outer initializer and its arguments
            cfg.update(outer_cfg)
        elif "type" not in cfg:
            raise ModelValueError(
                f"init_cfg override for {name!r} sets {sorted(cfg)} but no 'type'; either add "
                "type=... or give only name=... to reuse the outer init_cfg"
            )
        target = getattr(module, name, None) if isinstance(name, str) else None
        if target is None:
            children = [child for child, _ in module.named_children()]
            close = difflib.get_close_matches(str(name), children, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InitOverrideError(
                f"init_cfg override names {name!r}, but {type(module).__name__} has no such "
                f"attribute (its children: {children}){hint}"
            )
        _apply(target, cfg, wholemodule=True)


def initialize(module: nn.Module, init_cfg: Mapping[str, Any] | list[Any]) -> None:
    """Initialise ``module`` with one init_cfg dict or a list of them, in order.

    Example: ``initialize(model, dict(type='Constant', layer='Conv2d', val=1,
    override=dict(type='Constant', name='reg', val=3)))``.
    """
    if not isinstance(init_cfg, (Mapping, list, tuple)):
        raise ModelTypeError(
            f"init_cfg must be a dict or a list of dicts, but got {init_cfg!r} "
            f"({type(init_cfg).__name__})"
        )
    cfgs = [init_cfg] if isinstance(init_cfg, Mapping) else list(init_cfg)
    for one in cfgs:
        if not isinstance(one, Mapping):
            raise ModelTypeError(
                f"each entry of init_cfg must be a dict, but got {one!r} ({type(one).__name__})"
            )
        # copy: the same cfg object is often shared by many modules (e.g. repeated blocks)
        cfg = dict(copy.deepcopy(one))
        override = cfg.pop("override", None)
        _apply(module, cfg)
        if override is not None:
            cfg.pop("layer", None)
            _apply_overrides(module, override, cfg)
