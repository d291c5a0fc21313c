# covers: a new-style base for lazy_bare_builtin_import.py
from torch.optim import SGD

optimizer = dict(type=SGD, lr=0.01)
