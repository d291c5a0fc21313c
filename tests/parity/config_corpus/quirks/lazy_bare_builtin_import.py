# covers: a bare stdlib `import os` in a new-style config. Stock mmengine 0.10.7 on Python 3.11
# thinks `os` (a frozen module) is third-party, makes it lazy and crashes calling `os.path.join`;
# with its stdlib check fixed it runs the import but forgets to mark `os` as imported, so the
# module object leaks into to_dict() and pretty_text/dump fail
import os

from mmengine.config import read_base

with read_base():
    from .lazy_quirk_base import *

data_root = os.path.join('data', 'coco')
