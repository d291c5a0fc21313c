# covers: a relative `_base_` path that points into a subfolder
_base_ = './sub/leaf.py'
leaf_cfg = dict(kind='overridden')
