# covers: double-brace base references inside nested dicts (the same reference used several times)
_base_ = './ref_base.py'
model = dict(
    head=dict(num_classes={{_base_.num_classes}}, norm_cfg={{_base_.norm}}),
    neck=[dict(norm_cfg={{_base_.norm}}), dict(in_channels=[256, 512])],
)
