import os.path as osp
from math import sqrt
from os.path import join


def helper():
    return 'made by helper'


class Marker:
    pass


value = helper()
root = join('a', 'b')
builtin_fn = sqrt
marker = Marker
_private = 1
__dunder = 2
