from torch.nn import Linear

model = dict(type=Linear, in_features=2, out_features=1)
