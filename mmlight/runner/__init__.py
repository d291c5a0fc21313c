"""The Runner facade, its loops and log processor, with mmengine's import paths."""

from mmlight.hooks.priority import Priority, get_priority
from mmlight.runner.checkpoint import (
    find_latest_checkpoint,
    get_state_dict,
    load_checkpoint,
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
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "LogProcessor",
    "Priority",
    "Runner",
    "TestLoop",
    "ValLoop",
    "calc_dynamic_intervals",
    "find_latest_checkpoint",
    "get_priority",
    "get_state_dict",
    "load_checkpoint",
    "save_checkpoint",
    "set_random_seed",
    "weights_to_cpu",
]
