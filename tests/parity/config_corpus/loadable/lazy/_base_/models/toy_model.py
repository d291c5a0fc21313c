# covers: a new-style base using attribute access on an imported module (`nn.ReLU`) and a class
# imported by name
import torch.nn as nn
from torch.nn import Linear

model = dict(
    type='ToyModel',
    act_cfg=dict(type=nn.ReLU, inplace=True),
    head=dict(type=Linear, in_features=8, out_features=2),
)
