"""The translation layer: MMEngine components in, Lightning objects out.

Importing this package imports Lightning; nothing under ``mmlight`` does so before a stage
actually runs.
"""

from mmlight.lightning.callback_hook import CALLBACK_EVENTS, CallbackHook
from mmlight.lightning.hook_dispatcher import MOUNT_POINT_EVENTS, HookDispatcher
from mmlight.lightning.module import MMLightningModule, iter_optim_wrappers
from mmlight.lightning.stepper import LightningStepper
from mmlight.lightning.trainer_factory import TRAINER_MAPPING, build_trainer

__all__ = [
    "CALLBACK_EVENTS",
    "MOUNT_POINT_EVENTS",
    "TRAINER_MAPPING",
    "CallbackHook",
    "HookDispatcher",
    "LightningStepper",
    "MMLightningModule",
    "build_trainer",
    "iter_optim_wrappers",
]
