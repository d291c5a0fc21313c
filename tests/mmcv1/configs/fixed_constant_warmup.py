# fixed lr with a constant warm-up counted in epochs; step lr by iteration list
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
optimizer_config = dict()
lr_config = dict(policy='fixed', warmup='constant', warmup_iters=1, warmup_ratio=0.25,
                 warmup_by_epoch=True)
runner = dict(type='EpochBasedRunner', max_epochs=4)
checkpoint_config = dict(interval=1)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook')])
