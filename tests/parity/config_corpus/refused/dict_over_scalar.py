# covers: a child dict over a base scalar (`lr` is a float in the base) without `_delete_`
_base_ = './_parts/ok_base.py'
lr = dict(base=0.1, decay=0.9)
