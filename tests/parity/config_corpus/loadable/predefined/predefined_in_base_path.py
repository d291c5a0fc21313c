# covers: a predefined variable inside the `_base_` path (an absolute path built from fileDirname)
_base_ = ['{{fileDirname}}/../formats/plain.yaml']
max_epochs = 1
