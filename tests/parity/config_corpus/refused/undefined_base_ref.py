# covers: a double-brace base reference to a key the base does not have (nested path)
_base_ = './_parts/ok_base.py'
norm = {{_base_.model.no_such_key}}
