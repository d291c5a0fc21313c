from torch.optim import SGD
from torch.optim.lr_scheduler import MultiStepLR

optimizer = dict(type=SGD, lr=0.1)
param_scheduler = dict(type=MultiStepLR, milestones=[1, 2])
train_cfg = dict(max_epochs=5)
