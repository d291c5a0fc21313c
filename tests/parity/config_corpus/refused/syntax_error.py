# covers: a Python syntax error - a bracket opened on line 3 is never closed
lr = 0.1
model = dict(type='ToyModel',
             depth=50
optimizer = dict(type='SGD')
