# covers: an old-style base (it has `_base_ =`) for the style-mixing refusals
_base_ = './ok_base.py'
text_value = 1
