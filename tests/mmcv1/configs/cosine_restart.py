# cosine with restarts by iteration, decreasing restart weights
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
optimizer_config = dict()
lr_config = dict(policy='CosineRestart', periods=[30, 30, 40], restart_weights=[1, 0.5, 0.25],
                 min_lr=1e-5, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=100)
checkpoint_config = dict(interval=50, by_epoch=False)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook', by_epoch=False),
                                      dict(type='TensorboardLoggerHook', by_epoch=False)])
