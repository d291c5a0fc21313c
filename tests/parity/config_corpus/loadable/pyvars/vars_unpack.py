# covers: tuple unpacking and starred unpacking of `_base_` values; the unpacked names are kept
_base_ = './vars_base.py'
width, height = _base_.pair
first, *rest = _base_.item_list
area = width * height
