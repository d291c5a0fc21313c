# covers: an old-style config (`_base_ =`) inheriting a new-style one
_base_ = './_parts/lazy_base.py'
lr = 0.1
