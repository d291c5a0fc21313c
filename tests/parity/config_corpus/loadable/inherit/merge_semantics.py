# covers: dict merge semantics - deep merge keeps siblings, new keys are added, lists are
# replaced wholesale (never merged element-wise), tuples replace lists
_base_ = ['./base_runtime.py', './base_model.json']
env_cfg = dict(mp_cfg=dict(opencv_num_threads=4))
default_hooks = dict(logger=dict(interval=10), param_scheduler=dict(type='ParamSchedulerHook'))
custom_hooks = [dict(type='EMAHook')]
model = dict(backbone=dict(out_indices=(1, 2)), data_preprocessor=dict(mean=[1.0, 2.0, 3.0]))
new_top_level = dict(a=dict(b=dict(c=1)))
