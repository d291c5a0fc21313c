# covers: a well-formed base that refused configs build on
lr = 0.1
model = dict(type='ToyModel', neck=[dict(type='FPN')], depth=50)
