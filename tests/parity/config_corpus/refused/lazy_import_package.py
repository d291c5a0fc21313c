# covers: `from . import name` inside read_base (a module name is required there)
from mmengine.config import read_base

with read_base():
    from . import syntax_error
