from mmlight.config import read_base

with read_base():
    from ._base_.schedule import optimizer as opt
    from ._base_.schedule import train_cfg

opt.lr = 0.5
