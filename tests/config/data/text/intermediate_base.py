item_cfg = dict(b=1)
item5 = dict(cfg=item_cfg)
item6 = dict(cfg=item_cfg)
