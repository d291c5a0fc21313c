# covers: new-style configs keep functions defined in them (text-style .py configs drop them)
from torch.optim import SGD


def scaled(lr):
    return lr * 2


optimizer = dict(type=SGD, lr=scaled(0.01))
scale_fn = scaled
