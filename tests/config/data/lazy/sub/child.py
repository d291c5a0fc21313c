from mmlight.config import read_base

with read_base():
    from .._base_.model import *

model.update(out_features=7)
