# covers: a base that lives in a subfolder of its child
leaf_value = 'from-sub'
leaf_cfg = dict(kind='leaf', sizes=(1, 2))
