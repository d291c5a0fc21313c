# covers: `from <third-party> import *` outside read_base in a new-style config (line 3)
from mmengine.config import read_base
from torch.optim import *

with read_base():
    from ._parts.ok_base import *
