# covers: `_base_` given as a plain string without './'; child overrides scalars, bools, None
_base_ = 'base_runtime.py'
log_level = 'DEBUG'
resume = True
load_from = 'checkpoints/last.pth'
