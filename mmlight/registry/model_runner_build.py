"""The build functions mmengine gives MODELS and RUNNERS (and so every registry below them).

* ``build_model_from_cfg``: a list of model configs builds a ``Sequential`` of the models.
* ``build_runner_from_cfg``: ``runner_type`` (default ``'Runner'``) picks the runner class,
  whose ``from_cfg`` receives the whole config.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from mmlight.registry.build_functions import (
    _is_mapping,
    _unknown_type_error,
    build_from_cfg,
    not_a_config_message,
)
from mmlight.registry.errors import ConfigTypeError

if TYPE_CHECKING:
    from mmlight.registry.registry import Registry

__all__ = ["build_model_from_cfg", "build_runner_from_cfg"]

logger = logging.getLogger(__name__)


class _RunnerArgumentError(ConfigTypeError, AssertionError):
    """A runner config or registry of the wrong type (mmengine asserts, hence AssertionError)."""


def build_model_from_cfg(cfg: Any, registry: Registry, default_args: Any | None = None) -> Any:
    """Build one model from a config, or a ``Sequential`` of models from a list of configs."""
    if isinstance(cfg, list):
        from mmlight.model import Sequential  # torch only when a model is built

        return Sequential(*(build_from_cfg(item, registry, default_args) for item in cfg))
    return build_from_cfg(cfg, registry, default_args)


def build_runner_from_cfg(cfg: Any, registry: Registry) -> Any:
    """``runner_cls.from_cfg(cfg)``, ``runner_cls`` named by ``cfg.runner_type`` (a registered
    name or a class; ``'Runner'`` when absent), looked up in ``cfg._scope_`` if given."""
    from mmlight.registry.registry import Registry

    if not _is_mapping(cfg):
        raise _RunnerArgumentError(not_a_config_message(cfg))
    if not isinstance(registry, Registry):
        raise _RunnerArgumentError(
            f"registry should be a mmlight.registry.Registry object, but got "
            f"{type(registry).__name__}"
        )
    args = cfg.copy()
    scope = args.pop("_scope_", None)
    with registry.switch_scope_and_registry(scope) as build_registry:
        runner_type = args.get("runner_type", "Runner")
        runner_cls: Any
        if isinstance(runner_type, str):
            searched: list[Registry] = []
            runner_cls = build_registry._lookup(runner_type, searched)
            if runner_cls is None:
                raise _unknown_type_error(runner_type, build_registry, searched)
        elif inspect.isclass(runner_type):
            runner_cls = runner_type
        else:
            raise ConfigTypeError(
                f"type must be a str or valid type, but got {type(runner_type)}",
                registry_name=build_registry.name,
                scope=build_registry.scope,
            )
        runner = runner_cls.from_cfg(args)
        logger.debug("built a %s from the %s registry (defined in %s)", runner_cls.__name__,
                     build_registry.name, runner_cls.__module__)
        return runner
