# linear-annealing lr with an iteration warm-up; step momentum with a momentum warm-up
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.03, momentum=0.9)
optimizer_config = dict()
lr_config = dict(policy='LinearAnnealing', min_lr_ratio=0.05, by_epoch=True, warmup='exp',
                 warmup_iters=6, warmup_ratio=0.05)
momentum_config = dict(policy='step', step=[3, 5], gamma=0.9, min_momentum=0.75, by_epoch=True,
                       warmup='linear', warmup_iters=8, warmup_ratio=0.9)
runner = dict(type='EpochBasedRunner', max_epochs=6)
checkpoint_config = dict(interval=1)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook'), dict(type='NeptuneLoggerHook')])
