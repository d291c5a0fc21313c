_base_ = ['./base.py', './base_data.yaml', './base_model.json']
# read base values as Python variables
first, second = _base_.item1
nested = dict(a=dict(b=_base_.item2), c=[_base_.item4])
# mutate a base value in place: the merged result sees it
_base_.item6[0] = dict(c=0)
_base_.item5.a = 10
