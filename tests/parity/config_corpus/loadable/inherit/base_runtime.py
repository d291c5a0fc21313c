# covers: a .py base shared by several children (scalars, bools, None, lists, nested dicts)
default_scope = 'toy'
log_level = 'INFO'
resume = False
load_from = None
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
)
custom_hooks = [dict(type='EMAHook', momentum=0.0002), dict(type='SyncBuffersHook')]
