# covers: `_base_.name` used as a Python variable for a key the base does not have (line 4)
_base_ = './_parts/ok_base.py'
lr2 = _base_.lr * 2
momentum = _base_.momentum
