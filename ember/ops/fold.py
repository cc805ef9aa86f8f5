"""Rearranging pixels: ``unfold`` / ``fold`` (sliding blocks), ``pixel_shuffle`` / ``pixel_unshuffle``
and ``channel_shuffle``.

* unfold is im2col: every (kH, kW) block of the padded input becomes a column,
  out[n, c*kH*kW + p*kW + q, l] = x_pad[n, c, i*sH + p*dH, j*sW + q*dW] with l = i * W_blocks + j.
* fold is its adjoint, col2im: each column is summed back into its block (overlaps add up).
  Each is the other's gradient (``F.im2col`` / ``F.col2im`` from ops/conv.py).
* pixel_shuffle: (*, C*r*r, H, W) -> (*, C, H*r, W*r), out[c, h*r + i, w*r + j] = x[c*r*r + i*r + j, h, w];
  pixel_unshuffle is its inverse; channel_shuffle reorders (g, C/g) channels as (C/g, g).
  These three are reshapes and permutations, so their gradients are the inverse permutations.
"""
from .conv import _tuple, col2im, im2col

__all__ = ["unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]


def _block_args(kernel_size, dilation, padding, stride):
    k, d = _tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation")
    p, s = _tuple(padding, 2, "padding"), _tuple(stride, 2, "stride")
    if any(v <= 0 for v in k) or any(v <= 0 for v in d) or any(v <= 0 for v in s) or any(v < 0 for v in p):
        raise RuntimeError(f"kernel size, dilation and stride should be greater than zero and padding non-negative, "
                           f"but got kernel_size={k}, dilation={d}, padding={p}, stride={s}")
    return k, d, p, s


def _blocks(size, k, d, p, s):
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding (kH, kW) blocks of (N, C, H, W) (or (C, H, W)) as columns: (N, C*kH*kW, L), with L the
    number of blocks. Gradient: fold (col2im).

    Example::

        >>> import ember
        >>> ember.nn.functional.unfold(ember.ones(2, 3, 5, 4), 2).shape
        torch.Size([2, 12, 12])
    """
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 4:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    k, d, p, s = _block_args(kernel_size, dilation, padding, stride)
    n, c = input.shape[:2]
    blocks = _blocks(input.shape[2:], k, d, p, s)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({input.shape[2]}, {input.shape[3]}), kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks as "
                           f"({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    cols = im2col(input, k, s, d, ((p[0], p[0]), (p[1], p[1])))       # (C, kH, kW, N, oH, oW)
    return cols.reshape(c * k[0] * k[1], n, blocks[0] * blocks[1]).transpose(0, 1).contiguous()


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C*kH*kW, L) (or (C*kH*kW, L)) back into their blocks of an (N, C, *output_size)
    tensor: the adjoint of unfold (overlapping blocks add up). Gradient: unfold (im2col)."""
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 3:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    out = _tuple(output_size, 2, "output_size")
    k, d, p, s = _block_args(kernel_size, dilation, padding, stride)
    n, ck, length = input.shape
    if ck % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={ck} and kernel_size=({k[0]}, {k[1]})")
    blocks = _blocks(out, k, d, p, s)
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(f"Given output_size=({out[0]}, {out[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    c = ck // (k[0] * k[1])
    cols = input.transpose(0, 1).reshape((c,) + k + (n,) + blocks)
    return col2im(cols, (n, c) + out, k, s, d, ((p[0], p[0]), (p[1], p[1])))


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): out[c, h*r + i, w*r + j] = x[c*r*r + i*r + j, h, w].

    Example::

        >>> import ember
        >>> ember.nn.functional.pixel_shuffle(ember.ones(1, 9, 4, 4), 3).shape
        torch.Size([1, 1, 12, 12])
    """
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h}"
                           f" is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w}"
                           f" is not divisible by {r}")
    b = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """(N, C, *) with channels seen as (groups, C/groups) -> reordered as (C/groups, groups) (ShuffleNet)."""
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    x = input.reshape((n, groups, c // groups) + tuple(rest)).transpose(1, 2)
    return x.reshape((n, c) + tuple(rest))


native_channel_shuffle = channel_shuffle

METHODS = []
FUNCTIONS = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]
