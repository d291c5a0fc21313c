# exponential decay per epoch with an exponential warm-up
model = dict(type='ImageClassifier')
data = dict(samples_per_gpu=32, workers_per_gpu=2,
            train=dict(type='ImageNet', data_prefix='data/imagenet/train', pipeline=[]),
            val=dict(type='ImageNet', data_prefix='data/imagenet/val', pipeline=[]),
            test=dict(type='ImageNet', data_prefix='data/imagenet/val', pipeline=[]))
evaluation = dict(interval=1, metric='accuracy', metric_options=dict(topk=(1, 5)))
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
optimizer_config = dict(type='GradientCumulativeOptimizerHook', cumulative_iters=4)
lr_config = dict(policy='exp', gamma=0.8, warmup='exp', warmup_iters=9, warmup_ratio=0.01)
runner = dict(type='EpochBasedRunner', max_epochs=8)
checkpoint_config = dict(interval=1)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook'),
                                       dict(type='MlflowLoggerHook', exp_name='cls')])
cudnn_benchmark = True
