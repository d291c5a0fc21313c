"""Hooks: code the runner calls at its 22 mount points, with mmengine's names and behaviour.

Importing this package registers every hook below in ``HOOKS`` (the registry lists this package
in its ``locations``). The priorities live in :mod:`mmlight.hooks.priority` (re-exported from
``mmlight.runner``, as mmengine does). Checkpointing, EMA, profiling and visualisation hooks
are not here yet.
"""

from mmlight.hooks.early_stopping_hook import EarlyStoppingHook
from mmlight.hooks.empty_cache_hook import EmptyCacheHook
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.hooks.iter_timer_hook import IterTimerHook
from mmlight.hooks.logger_hook import LoggerHook
from mmlight.hooks.mount_points import MOUNT_POINTS
from mmlight.hooks.param_scheduler_hook import ParamSchedulerHook
from mmlight.hooks.runtime_info_hook import RuntimeInfoHook
from mmlight.hooks.sampler_seed_hook import DistSamplerSeedHook
from mmlight.hooks.sync_buffer_hook import SyncBuffersHook

__all__ = [
    "DATA_BATCH",
    "MOUNT_POINTS",
    "DistSamplerSeedHook",
    "EarlyStoppingHook",
    "EmptyCacheHook",
    "Hook",
    "IterTimerHook",
    "LoggerHook",
    "ParamSchedulerHook",
    "RuntimeInfoHook",
    "SyncBuffersHook",
]
