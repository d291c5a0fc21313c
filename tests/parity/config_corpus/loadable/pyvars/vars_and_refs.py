# covers: a .py child mixing `_base_.name` variables and double-brace base references in one file
_base_ = './vars_base.py'
via_var = _base_.pair
via_ref = {{_base_.pair}}
both = [_base_.name, {{_base_.name}}]
