# flat then cosine, per epoch
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.04, momentum=0.9)
optimizer_config = dict()
lr_config = dict(policy='FlatCosineAnnealing', start_percent=0.5, min_lr=1e-4, by_epoch=True,
                 warmup='linear', warmup_iters=5, warmup_ratio=0.2)
runner = dict(type='EpochBasedRunner', max_epochs=8)
checkpoint_config = dict(interval=4)
log_config = dict(interval=5, hooks=[dict(type='TextLoggerHook')])
