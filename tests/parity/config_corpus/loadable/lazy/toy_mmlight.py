# covers: a new-style leaf - `from mmlight.config import read_base`, named imports (one renamed)
# from two bases, and new keys built from them
from mmlight.config import read_base

with read_base():
    from ._base_.models.toy_model import model as base_model
    from ._base_.schedules.sgd_multistep import optim_wrapper, param_scheduler

from torch.optim import AdamW

base_model.act_cfg.inplace = False
optim_wrapper.optimizer = dict(type=AdamW, lr=0.001, weight_decay=0.05)
param_scheduler = param_scheduler[:1]
val_interval = 2
