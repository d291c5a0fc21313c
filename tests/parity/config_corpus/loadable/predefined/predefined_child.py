# covers: predefined variables are resolved per file - the base's values name the base file,
# the child's name the child file
_base_ = './predefined.yaml'
child_name = '{{fileBasename}}'
