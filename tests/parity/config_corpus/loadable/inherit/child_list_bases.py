# covers: `_base_` as a list of four bases in four formats (py, json, yaml, yml) + overrides
_base_ = ['./base_runtime.py', './base_model.json', './base_data.yaml', './base_sched.yml']
model = dict(head=dict(num_classes=10))
train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_cfg = dict(max_epochs=3)
