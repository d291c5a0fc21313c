# covers: the base whose values the double-brace base references in this folder point at
img_scale = (1333, 800)
norm = dict(type='BN', requires_grad=True)
pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(1333, 800), keep_ratio=True)]
num_classes = 80
meta = dict(a=dict(b=dict(c='deep', d=[1, 2])))
flag = False
nothing = None
