# covers: a dotted-name child inheriting a dotted-name YAML base
_base_ = './model.cfg.yaml'
model = dict(layers=[32])
