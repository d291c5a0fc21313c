import numpy as np  # a third-party import makes this a pure-Python config
import os.path as osp
from functools import partial
from itertools import chain

path = osp.join('a', 'b')
chained = list(chain([1], [2]))
name = partial(osp.basename, __file__)()
