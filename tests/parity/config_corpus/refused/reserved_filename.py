# covers: the reserved top-level key `filename`
filename = 'my_model.pth'
