# covers: a child of a deprecated config still loads the base values
_base_ = './deprecated.py'
lr = 0.2
