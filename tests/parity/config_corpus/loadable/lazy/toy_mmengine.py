# covers: a new-style leaf - `from mmengine.config import read_base`, three relative star-imports
# from a subpackage, then later edits of the imported values (`.update(...)`, attribute set on a
# list element, item set)
from mmengine.config import read_base

with read_base():
    from ._base_.default_runtime import *
    from ._base_.models.toy_model import *
    from ._base_.schedules.sgd_multistep import *

optim_wrapper.optimizer.update(lr=0.1)
param_scheduler[1].milestones = [2, 4]
train_cfg['max_epochs'] = 6
model.head.out_features = 10
