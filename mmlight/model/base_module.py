"""``BaseModule``: an ``nn.Module`` that initialises itself from ``init_cfg``.

``init_weights()`` runs the module's own init_cfg, then each child's ``init_weights`` (so a
child's own init_cfg, being more specific, wins), then any ``Pretrained`` init_cfg last so
loaded weights win over everything. On the top-level call it records, per parameter, which
initializer last changed it, and writes that table to the log.
"""

from __future__ import annotations

import copy
import logging
from abc import ABCMeta
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from torch import nn

from mmlight.dist import master_only

from ._logging import current_logger, file_handlers
from .errors import ModelTypeError
from .initializers import PretrainedInit
from .weight_init import initialize, update_init_info
from .wrappers.utils import is_model_wrapper

__all__ = ["BaseModule", "ModuleDict", "ModuleList", "Sequential"]

InitCfg = dict | list[dict] | None


def _is_pretrained(cfg: Mapping[str, Any]) -> bool:
    kind = cfg.get("type")
    return kind == "Pretrained" or kind is PretrainedInit


class BaseModule(nn.Module, metaclass=ABCMeta):
    """Base class for modules configured with ``init_cfg`` (a dict or a list of dicts)."""

    def __init__(self, init_cfg: InitCfg = None) -> None:
        super().__init__()
        self._is_init = False
        # a private copy: configs are often shared between sibling modules
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        return self._is_init

    @is_init.setter
    def is_init(self, value: bool) -> None:
        self._is_init = value

    def init_weights(self) -> None:
        top_level = not hasattr(self, "_params_init_info")
        if top_level:
            self._start_init_info()

        try:
            name = type(self).__name__
            logger = current_logger()
            if self._is_init:
                logger.warning(f"init_weights of {name} has been called more than once.")
            else:
                pretrained = self._run_own_and_children_init(name, logger)
                if pretrained:
                    initialize(self, pretrained)
                self._is_init = True
            if top_level:
                self._dump_init_info()
        finally:
            if top_level:
                # also after an error, so a retry starts as a top-level call again
                for module in self.modules():
                    module.__dict__.pop("_params_init_info", None)

    def _run_own_and_children_init(self, name: str, logger: logging.Logger) -> list[dict]:
        """Apply non-Pretrained init_cfgs, then children; return the Pretrained cfgs for later."""
        pretrained: list[dict] = []
        if self.init_cfg:
            logger.debug(f"initialize {name} with init_cfg {self.init_cfg}")
            cfgs = [self.init_cfg] if isinstance(self.init_cfg, Mapping) else self.init_cfg
            others: list[dict] = []
            for index, cfg in enumerate(cfgs):
                if not isinstance(cfg, Mapping):
                    raise ModelTypeError(
                        f"{name}.init_cfg[{index}] must be a dict, but got {cfg!r} "
                        f"({type(cfg).__name__})"
                    )
                (pretrained if _is_pretrained(cfg) else others).append(cfg)
            initialize(self, others)

        for child in self.children():
            if is_model_wrapper(child) and not hasattr(child, "init_weights"):
                child = child.module  # type: ignore[assignment]
            child_init = getattr(child, "init_weights", None)
            if callable(child_init) and not getattr(child, "is_init", False):
                child_init()
                # the child may define its own init_weights; credit it for what changed
                update_init_info(
                    child,
                    init_info=f"Initialized by user-defined `init_weights` in "
                    f"{type(child).__name__} ",
                )
        return pretrained

    def _start_init_info(self) -> None:
        """Snapshot every parameter's mean so later changes can be attributed to an initializer."""
        table: defaultdict[nn.Parameter, dict[str, Any]] = defaultdict(dict)
        untouched = (
            f"The value is the same before and after calling `init_weights` "
            f"of {type(self).__name__} "
        )
        for _, param in self.named_parameters():
            table[param]["init_info"] = untouched
            table[param]["tmp_mean_value"] = param.data.mean().cpu()
        # one shared table: any submodule's initializer updates the same records
        for module in self.modules():
            setattr(module, "_params_init_info", table)  # noqa: B010 - not a BaseModule attr

    @master_only
    def _dump_init_info(self) -> None:
        logger = current_logger()
        table: dict[nn.Parameter, dict[str, Any]] = getattr(self, "_params_init_info")  # noqa: B009
        handlers = file_handlers(logger)
        for handler in handlers:
            if handler.stream is None:  # FileHandler(delay=True) opens on first use
                handler.stream = handler._open()
            stream = handler.stream
            stream.write("Name of parameter - Initialization information\n")
            for name, param in self.named_parameters():
                stream.write(f"\n{name} - {param.shape}: \n{table[param]['init_info']} \n")
            stream.flush()
        if not handlers:
            for name, param in self.named_parameters():
                logger.info(f"\n{name} - {param.shape}: \n{table[param]['init_info']} \n ")

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f"\ninit_cfg={self.init_cfg}"
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` whose children can carry their own init_cfg."""

    def __init__(self, *args: nn.Module, init_cfg: InitCfg = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with an init_cfg of its own."""

    def __init__(self, modules: Iterable[nn.Module] | None = None, init_cfg: InitCfg = None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with an init_cfg of its own."""

    def __init__(
        self, modules: Mapping[str, nn.Module] | None = None, init_cfg: InitCfg = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
