"""ember's ops, one module per family. Each module lists the names it exports as Tensor
methods (``METHODS``), operator dunders (``DUNDERS``) and plain functions (``FUNCTIONS``)."""
from . import elementwise, unary, compare, inplace
from . import reduce, reduce_select, reduce_stats, cumulative, movement, transpose, narrow, indexing, scatter, masked
from . import shapes, rearrange
from . import linalg, einsum, matrix, creation, random
from . import activation_piecewise, activation_smooth, softmax, nn_layers
from . import conv, conv_transpose, pooling, adaptive_pooling, fold

MODULES = (elementwise, unary, compare, inplace, reduce, reduce_select, reduce_stats, cumulative, movement, transpose,
           narrow, indexing, scatter, masked, shapes, rearrange, linalg, einsum, matrix, creation, random,
           activation_piecewise, activation_smooth, softmax, nn_layers, conv, conv_transpose, pooling,
           adaptive_pooling, fold)
