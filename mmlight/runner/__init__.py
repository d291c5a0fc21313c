"""The Runner facade, its loops and log processor, with mmengine's import paths."""

from mmlight.hooks.priority import Priority, get_priority
from mmlight.runner.activation_checkpointing import turn_on_activation_checkpointing
from mmlight.runner.amp import autocast
from mmlight.runner.checkpoint import (
    CheckpointLoader,
    find_latest_checkpoint,
    get_deprecated_model_names,
    get_external_models,
    get_mmcls_models,
    get_state_dict,
    get_torchvision_models,
    load_checkpoint,
    load_state_dict,
    save_checkpoint,
    weights_to_cpu,
)
from mmlight.runner.log_processor import LogProcessor
from mmlight.runner.loops import (
    BaseLoop,
    EpochBasedTrainLoop,
    IterBasedTrainLoop,
    TestLoop,
    ValLoop,
    calc_dynamic_intervals,
)
from mmlight.runner.runner import Runner, set_random_seed

__all__ = [
    "BaseLoop",
    "CheckpointLoader",
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "LogProcessor",
    "Priority",
    "Runner",
    "TestLoop",
    "ValLoop",
    "autocast",
    "calc_dynamic_intervals",
    "find_latest_checkpoint",
    "get_deprecated_model_names",
    "get_external_models",
    "get_mmcls_models",
    "get_priority",
    "get_state_dict",
    "get_torchvision_models",
    "load_checkpoint",
    "load_state_dict",
    "save_checkpoint",
    "set_random_seed",
    "turn_on_activation_checkpointing",
    "weights_to_cpu",
]
