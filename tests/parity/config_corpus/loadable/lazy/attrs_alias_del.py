# covers: new-style `from torch import nn as tnn`, dtype and function attributes
# (`torch.float32`, `torch.nn.functional.relu`), `del` of an inherited key
from mmengine.config import read_base

with read_base():
    from ._base_.models.toy_model import *

import torch
from torch import nn as tnn

extras = dict(dtype=torch.float32, conv=tnn.Conv2d, fn=torch.nn.functional.relu)
del model['head']
