from mmengine.config import read_base

with read_base():
    from ._base_.model import *
    from ._base_.schedule import *

import torch.nn as nn
from mmengine.registry import Registry

param_scheduler.milestones = [2, 4]
optimizer.update(lr=0.01)
model['out_features'] = 3
registry_cls = Registry
activation = dict(type=nn.ReLU, inplace=True)
