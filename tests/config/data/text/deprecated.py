_base_ = './base.py'
_deprecation_ = dict(expected='new.py', reference='https://example.com/why')
