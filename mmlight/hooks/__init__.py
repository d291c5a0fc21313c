"""Hooks: code the runner calls at its 22 mount points, with mmengine's names and behaviour.

Importing this package registers every hook below in ``HOOKS`` (the registry lists this package
in its ``locations``). The priorities live in :mod:`mmlight.hooks.priority` (re-exported from
``mmlight.runner``, as mmengine does).
"""

from mmlight.hooks.checkpoint_hook import CheckpointHook
from mmlight.hooks.early_stopping_hook import EarlyStoppingHook
from mmlight.hooks.ema_hook import EMAHook
from mmlight.hooks.empty_cache_hook import EmptyCacheHook
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.hooks.iter_timer_hook import IterTimerHook
from mmlight.hooks.logger_hook import LoggerHook
from mmlight.hooks.mount_points import MOUNT_POINTS
from mmlight.hooks.naive_visualization_hook import NaiveVisualizationHook
from mmlight.hooks.npu_profiler_hook import NPUProfilerHook
from mmlight.hooks.param_scheduler_hook import ParamSchedulerHook
from mmlight.hooks.prepare_tta_hook import PrepareTTAHook
from mmlight.hooks.profiler_hook import ProfilerHook
from mmlight.hooks.runtime_info_hook import RuntimeInfoHook
from mmlight.hooks.sampler_seed_hook import DistSamplerSeedHook
from mmlight.hooks.sync_buffer_hook import SyncBuffersHook
from mmlight.hooks.visualization_hook import VisualizationHook

__all__ = [
    "DATA_BATCH",
    "MOUNT_POINTS",
    "CheckpointHook",
    "DistSamplerSeedHook",
    "EMAHook",
    "EarlyStoppingHook",
    "EmptyCacheHook",
    "Hook",
    "IterTimerHook",
    "LoggerHook",
    "NPUProfilerHook",
    "NaiveVisualizationHook",
    "ParamSchedulerHook",
    "PrepareTTAHook",
    "ProfilerHook",
    "RuntimeInfoHook",
    "SyncBuffersHook",
    "VisualizationHook",
]
