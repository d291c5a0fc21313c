# covers: overriding an intermediate variable in the child does NOT re-bind the base dicts built
# from it; only the dataloader the child rebuilds explicitly sees the new value
_base_ = './intermediate_base.py'
img_scale = (640, 640)
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=img_scale)]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
