# covers: a new-style config using a `with` statement other than `with read_base():` (line 6)
from mmengine.config import read_base
from torch.optim import SGD

optimizer = dict(type=SGD)
with open(__file__) as handle:
    first_line = handle.readline()
