# covers: level 3 of a four-level chain; adds keys and overrides with a different type (int -> float)
_base_ = './chain_2.yaml'
stage = 3.0
opt = dict(nested=dict(c=3), eps=1e-8)
added_at_3 = ('three',)
