# covers: `import torch` / `import torch.nn as nn` and attribute chains on them
# (`torch.optim.AdamW`, `nn.init.kaiming_normal_`) in a new-style config without bases
import torch
import torch.nn as nn

optimizer = dict(type=torch.optim.AdamW, lr=0.001)
init_cfg = dict(type=nn.init.kaiming_normal_, mode='fan_out')
act_cfg = dict(type=nn.GELU)
