# covers: the simplest .py config - scalars, a bool, None, a list and a nested dict, no base
model = dict(type='ToyModel', depth=18, pretrained=None, head=dict(num_classes=10))
lr = 0.02
max_epochs = 12
by_epoch = True
work_dir = './work_dirs/plain'
gpu_ids = [0, 1]
