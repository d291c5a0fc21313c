# covers: a new-style (pure Python) base importing classes from mmengine lazily (never imported)
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook

default_scope = None
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=10),
    checkpoint=dict(type=CheckpointHook, interval=1, max_keep_ckpts=2),
)
log_level = 'INFO'
