# covers: a new-style relative base import whose file does not exist
from mmengine.config import read_base

with read_base():
    from ._parts.no_such_module import *
