# covers: what a .py config keeps and drops - functions, lambdas and imported modules are dropped,
# `__dunder` names are dropped, `_private` names and values computed by code (calls, loops,
# comprehensions, stdlib helpers, an imported constant) are kept
import json
import os.path as osp
from math import pi
from os.path import join


def helper(x):
    return x * 2


square = lambda x: x * x  # noqa: E731
__dunder = 1
__dunder_both__ = 2
_private = 3
_private_dict = dict(a=1)
doubled = helper(4)
squared = square(3)
joined = osp.join('a', 'b')
joined2 = join('c', 'd')
dumped = json.dumps(dict(k=[1, 2]))
circle = round(pi, 3)
squares = [i * i for i in range(4)]
by_name = {str(i): i for i in range(2)}
total = 0
for step in range(3):
    total += step
if total > 1:
    branch = 'big'
else:
    branch = 'small'
