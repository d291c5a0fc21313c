# covers: `_deprecation_` - loading warns (DeprecationWarning) and the key is removed
_deprecation_ = dict(expected='plain.py', reference='https://example.com/configs/renamed')
lr = 0.1
