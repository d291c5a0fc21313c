# covers: stdlib imports in a new-style config run eagerly (their values are real), next to lazy
# third-party imports; imported names are excluded from to_dict() unless keep_imported=True
import math as m
import os.path as osp
from json import dumps

from mmengine.config import read_base
from torch.optim import SGD

with read_base():
    from ._base_.default_runtime import *

data_root = osp.join('data', 'coco')
lr = 0.1 * m.sqrt(4)
encoded = dumps([1, 2])
optimizer = dict(type=SGD, lr=lr)
