# covers: classes are NOT dropped from a .py config (only functions and modules are): a class
# defined in the config, an imported stdlib class, a builtin type; an OrderedDict value becomes an
# ordinary config dict keeping its key order
from collections import OrderedDict


class LocalThing:
    size = 3


thing_cls = LocalThing
int_type = int
ordered = OrderedDict(b=1, a=2)
