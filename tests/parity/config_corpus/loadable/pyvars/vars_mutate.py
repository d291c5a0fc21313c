# covers: mutating `_base_` values in place from the child (item set, attribute set, append);
# the mutations show up in the merged result
_base_ = './vars_base.py'
_base_.item_list[0] = 100
_base_.item_list.append(4)
_base_.item_dict.a.b.c = 5
_base_['item_dict']['d'] = [9]
