# mixed-format bases: py + yaml + json
_base_ = ['./base.py', './base_data.yaml', './base_model.json']
item2 = dict(b=1)
item3 = False
item6 = [dict(c=2)]
