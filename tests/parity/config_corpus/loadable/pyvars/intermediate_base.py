# covers: a base whose dicts are built from intermediate variables (img_scale, train_pipeline)
img_scale = (1333, 800)
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=img_scale)]
train_dataloader = dict(batch_size=2, dataset=dict(type='ToyDataset', pipeline=train_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(type='ToyDataset', pipeline=train_pipeline))
