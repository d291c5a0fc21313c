# covers: a new-style config importing an old-style one (it has `_base_ =`) inside read_base
from mmengine.config import read_base

with read_base():
    from ._parts.text_base import *
