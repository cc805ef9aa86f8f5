"""ember's ops, one module per family. Each module lists the names it exports as Tensor
methods (``METHODS``), operator dunders (``DUNDERS``) and plain functions (``FUNCTIONS``)."""
from . import elementwise, unary, compare, inplace
from . import reduce, movement, indexing, scatter, masked, shapes, rearrange, linalg, creation, random
from . import activation, nn_layers

MODULES = (elementwise, unary, compare, inplace, reduce, movement, indexing, scatter, masked, shapes, rearrange,
           linalg, creation, random, activation, nn_layers)
