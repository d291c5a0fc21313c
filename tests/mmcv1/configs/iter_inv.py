# inv policy (Caffe style) by iteration
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.05, momentum=0.9)
optimizer_config = dict(grad_clip=dict(max_norm=10))
lr_config = dict(policy='inv', gamma=0.01, power=0.75, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=60)
checkpoint_config = dict(interval=20, by_epoch=False)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook', by_epoch=False)])
