# covers: a new-style base next to its child in a subfolder
from torch.optim import Adam

optim_wrapper = dict(optimizer=dict(type=Adam, lr=0.0003))
