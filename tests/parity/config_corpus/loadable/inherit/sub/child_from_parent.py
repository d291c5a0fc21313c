# covers: a relative `_base_` path that points into the parent folder ('../')
_base_ = '../base_runtime.py'
default_hooks = dict(checkpoint=dict(interval=5))
