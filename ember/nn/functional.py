"""``ember.nn.functional``: the functional form of every layer and loss.

The ops themselves (forward and gradient rule side by side) live in ``ember/ops``:
``activation.py``, ``nn_layers.py``, ``normalization.py``, ``loss.py``, ``conv.py``, ``conv_transpose.py``,
``pooling.py``, ``adaptive_pooling.py``, ``unpool.py``, ``upsample.py`` and ``fold.py``; this module
only gathers them under PyTorch's names.
"""
from ..ops.activation import *  # noqa: F401,F403
from ..ops.nn_layers import *  # noqa: F401,F403
from ..ops.normalization import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.adaptive_pooling import *  # noqa: F401,F403
from ..ops.conv_transpose import *  # noqa: F401,F403
from ..ops.unpool import *  # noqa: F401,F403
from ..ops.upsample import *  # noqa: F401,F403
from ..ops.fold import *  # noqa: F401,F403
from ..ops import conv as _c, pooling as _p, adaptive_pooling as _ap, conv_transpose as _ct, unpool as _u
from ..ops import upsample as _up, fold as _f
from ..ops import activation as _a, nn_layers as _l, normalization as _n, loss as _s

__all__ = (list(_a.__all__) + list(_l.__all__) + list(_n.__all__) + list(_s.__all__) + list(_c.__all__)
           + list(_p.__all__) + list(_ap.__all__) + list(_ct.__all__) + list(_u.__all__) + list(_up.__all__)
           + list(_f.__all__))
