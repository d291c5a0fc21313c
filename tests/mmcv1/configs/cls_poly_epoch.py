# poly per epoch, no warm-up, Adam (momentum lives in betas)
model = dict(type='ImageClassifier')
data = dict(samples_per_gpu=16, workers_per_gpu=4,
            train=dict(type='CIFAR10', data_prefix='data/cifar10', pipeline=[]),
            val=dict(type='CIFAR10', data_prefix='data/cifar10', pipeline=[], test_mode=True),
            test=dict(type='CIFAR10', data_prefix='data/cifar10', pipeline=[], test_mode=True))
evaluation = dict(interval=2, metric='accuracy')
optimizer = dict(type='Adam', lr=0.001, betas=(0.9, 0.999))
optimizer_config = dict()
lr_config = dict(policy='poly', power=2.0, min_lr=0.0, by_epoch=True)
total_epochs = 6
checkpoint_config = dict(interval=1)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook')])
