# covers: `_base_` used as a real Python variable in .py - attribute access, item access, indexing
# into lists, string arithmetic, and a whole base dict copied under a new name
_base_ = './vars_base.py'
copied = _base_.item_dict
c_value = _base_.item_dict.a.b.c
x_from_list = _base_.item_list[2]['x']
second_d = _base_['item_dict']['d'][1]
name = _base_.name + '_child'
