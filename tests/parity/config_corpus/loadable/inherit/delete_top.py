# covers: `_delete_=True` on a top-level key: the base dict is replaced, not merged
_base_ = './base_runtime.py'
env_cfg = dict(_delete_=True, cudnn_benchmark=True)
