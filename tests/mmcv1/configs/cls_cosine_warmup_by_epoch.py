# ruff: noqa: E501
# mmcls style: cosine to 0 per epoch, linear warm-up counted in epochs, AdamW
model = dict(type='ImageClassifier')
data = dict(samples_per_gpu=64, workers_per_gpu=2,
            train=dict(type='ImageNet', data_prefix='train', pipeline=[]),
            val=dict(type='ImageNet', data_prefix='val', pipeline=[]))
evaluation = dict(interval=1, metric='accuracy', save_best='auto')
paramwise_cfg = dict(norm_decay_mult=0.0, bias_decay_mult=0.0)
optimizer = dict(type='AdamW', lr=0.003, weight_decay=0.3, paramwise_cfg=paramwise_cfg)
optimizer_config = dict(grad_clip=dict(max_norm=1.0))
lr_config = dict(policy='CosineAnnealing', min_lr=0, warmup='linear', warmup_iters=2,
                 warmup_ratio=0.01, warmup_by_epoch=True)
runner = dict(type='EpochBasedRunner', max_epochs=10)
checkpoint_config = dict(interval=1)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook'), dict(type='TensorboardLoggerHook')])
