"""Registries: build objects from ``dict(type=..., **kwargs)`` configs, as mmengine does.

``import mmlight.registry`` does not import torch: the packages that fill the root registries
are imported on the first lookup (each root registry's ``locations``).
"""

from mmlight.registry.build_functions import build_from_cfg, build_scheduler_from_cfg
from mmlight.registry.default_scope import DefaultScope, canonical_scope
from mmlight.registry.errors import (
    BuildArgumentError,
    ConfigTypeError,
    DuplicateRegistrationError,
    DuplicateScopeError,
    MissingTypeError,
    RegistrationTypeError,
    RegistryError,
    UnknownTypeError,
    config_key_path,
)
from mmlight.registry.model_runner_build import build_model_from_cfg, build_runner_from_cfg
from mmlight.registry.registry import Registry
from mmlight.registry.root import (
    COLLATE_FUNCTIONS,
    DATA_SAMPLERS,
    DATASETS,
    EVALUATOR,
    FUNCTIONS,
    HOOKS,
    INFERENCERS,
    LOG_PROCESSORS,
    LOOPS,
    METRICS,
    MODEL_WRAPPERS,
    MODELS,
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
    PARAM_SCHEDULERS,
    RUNNER_CONSTRUCTORS,
    RUNNERS,
    STRATEGIES,
    TASK_UTILS,
    TRANSFORMS,
    VISBACKENDS,
    VISUALIZERS,
    WEIGHT_INITIALIZERS,
)
from mmlight.registry.utils import (
    count_registered_modules,
    init_default_scope,
    traverse_registry_tree,
)

__all__ = [
    "COLLATE_FUNCTIONS",
    "DATASETS",
    "DATA_SAMPLERS",
    "EVALUATOR",
    "FUNCTIONS",
    "HOOKS",
    "INFERENCERS",
    "LOG_PROCESSORS",
    "LOOPS",
    "METRICS",
    "MODELS",
    "MODEL_WRAPPERS",
    "OPTIMIZERS",
    "OPTIM_WRAPPERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "PARAM_SCHEDULERS",
    "RUNNERS",
    "RUNNER_CONSTRUCTORS",
    "STRATEGIES",
    "TASK_UTILS",
    "TRANSFORMS",
    "VISBACKENDS",
    "VISUALIZERS",
    "WEIGHT_INITIALIZERS",
    "BuildArgumentError",
    "ConfigTypeError",
    "DefaultScope",
    "DuplicateRegistrationError",
    "DuplicateScopeError",
    "MissingTypeError",
    "RegistrationTypeError",
    "Registry",
    "RegistryError",
    "UnknownTypeError",
    "build_from_cfg",
    "build_model_from_cfg",
    "build_runner_from_cfg",
    "build_scheduler_from_cfg",
    "canonical_scope",
    "config_key_path",
    "count_registered_modules",
    "init_default_scope",
    "traverse_registry_tree",
]

# Last, once every name above exists: the bridge wakes up when (if ever) mmengine's registry is
# imported, so mmlight's registries and mmengine's see each other (mmlight.bridge).
from mmlight.bridge import watch_mmengine as _watch_mmengine

_watch_mmengine()
