# covers: one of two `_base_` files does not exist
_base_ = ['./_parts/ok_base.py', './_parts/no_such_base.py']
