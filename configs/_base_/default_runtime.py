# Runtime settings shared by the shipped configs (the same keys an OpenMMLab repo's
# configs/_base_/default_runtime.py has).
default_scope = None

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=2, save_best="auto"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)

env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_processor = dict(window_size=20, by_epoch=True)
log_level = "INFO"
load_from = None
resume = False
randomness = dict(seed=0)
