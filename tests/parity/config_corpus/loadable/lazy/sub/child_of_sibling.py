# covers: new-style relative imports of a sibling (`from .x import *`) and of one name from a
# grandparent-level package (`from .._base_.x import name`)
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import default_hooks
    from .sibling_base import *

optim_wrapper.optimizer.lr = 0.001
