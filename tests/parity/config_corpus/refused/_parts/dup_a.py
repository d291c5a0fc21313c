# covers: first of two bases that both define `optimizer`
optimizer = dict(type='SGD')
only_a = 1
