"""mmlight's root registries, under mmengine's names, in scope ``'mmlight'``.

Downstream packages hang child registries under these (``Registry('model', parent=MODELS,
scope='mmdet', locations=['mmdet.models'])``). ``locations`` name the mmlight package that fills
each registry, so a lookup imports it on first use and ``import mmlight.registry`` stays light.

Build functions: mmengine gives MODELS, RUNNERS and PARAM_SCHEDULERS specialised ones (a list
of model configs -> ``Sequential``, ``runner_type`` + ``from_cfg``, ``convert_to_iter_based``).
PARAM_SCHEDULERS has its own (``build_scheduler_from_cfg``, torch-free), and so do MODELS and
RUNNERS (``mmlight.registry.model_runner_build``, torch only once a list is built). mmengine's
OPTIMIZERS build function only logs a note about ``TorchAdafactor``, so OPTIMIZERS uses
``build_from_cfg`` as well.
"""

from __future__ import annotations

from mmlight.registry.build_functions import build_scheduler_from_cfg
from mmlight.registry.default_scope import ROOT_SCOPE
from mmlight.registry.model_runner_build import build_model_from_cfg, build_runner_from_cfg
from mmlight.registry.registry import Registry

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
]

_RUNNER = ["mmlight.runner"]
_DATASET = ["mmlight.dataset"]
_MODEL = ["mmlight.model"]
_OPTIM = ["mmlight.optim"]
_EVALUATOR = ["mmlight.evaluator"]
_VISUALIZATION = ["mmlight.visualization"]

RUNNERS = Registry(
    "runner", build_func=build_runner_from_cfg, scope=ROOT_SCOPE, locations=_RUNNER
)
RUNNER_CONSTRUCTORS = Registry("runner constructor", scope=ROOT_SCOPE, locations=_RUNNER)
LOOPS = Registry("loop", scope=ROOT_SCOPE, locations=_RUNNER)
HOOKS = Registry("hook", scope=ROOT_SCOPE, locations=["mmlight.hooks"])

# mmengine's strategy names, each building the Lightning strategy it maps to.
STRATEGIES = Registry("strategy", scope=ROOT_SCOPE, locations=["mmlight.lightning.mm_strategies"])

DATASETS = Registry("dataset", scope=ROOT_SCOPE, locations=_DATASET)
DATA_SAMPLERS = Registry("data sampler", scope=ROOT_SCOPE, locations=_DATASET)
TRANSFORMS = Registry("transform", scope=ROOT_SCOPE, locations=_DATASET)

MODELS = Registry(
    "model", build_func=build_model_from_cfg, scope=ROOT_SCOPE, locations=_MODEL
)
MODEL_WRAPPERS = Registry("model_wrapper", scope=ROOT_SCOPE, locations=_MODEL)
WEIGHT_INITIALIZERS = Registry("weight initializer", scope=ROOT_SCOPE, locations=_MODEL)

OPTIMIZERS = Registry("optimizer", scope=ROOT_SCOPE, locations=_OPTIM)
OPTIM_WRAPPERS = Registry("optim_wrapper", scope=ROOT_SCOPE, locations=_OPTIM)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    "optimizer wrapper constructor", scope=ROOT_SCOPE, locations=_OPTIM
)
PARAM_SCHEDULERS = Registry(
    "parameter scheduler", build_func=build_scheduler_from_cfg, scope=ROOT_SCOPE, locations=_OPTIM
)

METRICS = Registry("metric", scope=ROOT_SCOPE, locations=_EVALUATOR)
EVALUATOR = Registry("evaluator", scope=ROOT_SCOPE, locations=_EVALUATOR)

TASK_UTILS = Registry("task util", scope=ROOT_SCOPE)

VISUALIZERS = Registry("visualizer", scope=ROOT_SCOPE, locations=_VISUALIZATION)
VISBACKENDS = Registry("vis_backend", scope=ROOT_SCOPE, locations=_VISUALIZATION)

LOG_PROCESSORS = Registry("log_processor", scope=ROOT_SCOPE, locations=_RUNNER)

INFERENCERS = Registry("inferencer", scope=ROOT_SCOPE)

FUNCTIONS = Registry("function", scope=ROOT_SCOPE, locations=_DATASET)
# mmengine.dataset keeps this older name for FUNCTIONS (collate functions live there).
COLLATE_FUNCTIONS = FUNCTIONS
