# covers: a new-style base with `type=SGD` from torch.optim and schedulers from
# torch.optim.lr_scheduler
from mmengine.optim import OptimWrapper
from torch.optim import SGD
from torch.optim.lr_scheduler import LinearLR, MultiStepLR

optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type=SGD, lr=0.01, momentum=0.9))
param_scheduler = [
    dict(type=LinearLR, start_factor=0.1, by_epoch=False, begin=0, end=5),
    dict(type=MultiStepLR, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12)
