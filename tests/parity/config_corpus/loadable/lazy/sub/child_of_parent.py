# covers: a new-style config in a subfolder importing its parent folder's config (`from ..x`),
# with mmlight's read_base, and editing it further
from mmlight.config import read_base

with read_base():
    from ..toy_mmengine import *

default_hooks.logger.interval = 1
param_scheduler.append(dict(type='ConstantLR', factor=1.0))
