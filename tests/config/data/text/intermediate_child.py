_base_ = './intermediate_base.py'
item_cfg = dict(b=2)
item6 = dict(cfg=item_cfg)
