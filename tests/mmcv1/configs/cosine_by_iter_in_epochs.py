# ruff: noqa: E501
# cosine by iteration inside an epoch-based run, min_lr_ratio, with cosine momentum
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'), val=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.1, momentum=0.95)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='CosineAnnealing', min_lr_ratio=0.01, by_epoch=False, warmup='linear',
                 warmup_iters=6, warmup_ratio=0.1)
momentum_config = dict(policy='CosineAnnealing', min_momentum_ratio=0.85 / 0.95, by_epoch=False)
runner = dict(type='EpochBasedRunner', max_epochs=6)
evaluation = dict(interval=3, metric='my_score')
checkpoint_config = dict(interval=3)
log_config = dict(interval=5, hooks=[dict(type='TextLoggerHook')])
