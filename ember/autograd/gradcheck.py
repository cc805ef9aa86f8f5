"""gradcheck and gradgradcheck: compare autograd's gradients with central finite differences.

For an input x (n elements) and output y (m elements), the Jacobian J has J[k, j] =
dy_j / dx_k. Numerically, column by column of x:

    J[k, :] ~= (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)         (error O(eps^2))

Analytically, row by row of y: ``autograd.grad(y, x, grad_outputs=e_j)`` is J[:, j]
(a vector-Jacobian product with a one-hot vector). The two must agree within
``atol + rtol * |numerical|``. Use float64 inputs: in float32 the rounding error of
f (~1e-7 relative) divided by 2 eps swamps the comparison.

``gradgradcheck`` runs gradcheck on the function ``(x, v) -> autograd.grad(f(x), x, v,
create_graph=True)``, which checks second derivatives (double backward).

Example::

    >>> import ember
    >>> x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t ** 3).sin(), (x,))
    True
"""
import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck (when ``raise_exception=True``) on a mismatch."""


def _tensor():
    from ..tensor import Tensor

    return Tensor


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    """The floating-point Tensor outputs of ``fn`` (the only differentiable ones)."""
    Tensor = _tensor()
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o._data.dtype.kind == "f")


def _flat(outs):
    if not outs:
        return np.zeros(0)
    return np.concatenate([o._data.reshape(-1).astype(np.float64) for o in outs])


def _numerical_jacobian(fn, inputs, diff_idx, eps):
    """One (n_input_elements, n_output_elements) matrix per differentiable input.

    NOTE: the input's memory is perturbed directly (no version bump, no graph), and grad
    mode stays on: gradgradcheck's function itself calls autograd.grad.
    """
    n_out = _flat(_outputs(fn, inputs)).size
    jac = []
    for i in diff_idx:
        data = inputs[i]._data
        J = np.zeros((data.size, n_out))
        for k in range(data.size):
            idx = np.unravel_index(k, data.shape) if data.ndim else ()
            orig = data[idx].copy()
            data[idx] = orig + eps
            plus = _flat(_outputs(fn, inputs))
            data[idx] = orig - eps
            minus = _flat(_outputs(fn, inputs))
            data[idx] = orig
            J[k] = (plus - minus) / (2 * eps)
        jac.append(J)
    return jac


def _analytical_jacobian(outs, inputs, diff_idx):
    """The same matrices from autograd: one vector-Jacobian product per output element."""
    from . import grad as autograd_grad

    Tensor = _tensor()
    n_out = sum(o._data.size for o in outs)
    jac = [np.zeros((inputs[i]._data.size, n_out)) for i in diff_idx]
    col = 0
    for o in outs:
        for k in range(o._data.size):
            if o._requires_grad:
                go = np.zeros(o._data.shape, o._data.dtype)
                go.reshape(-1)[k] = 1
                grads = autograd_grad((o,), tuple(inputs[i] for i in diff_idx), (Tensor._make(go),),
                                      retain_graph=True, allow_unused=True)
                for j, g in enumerate(grads):
                    if g is not None:
                        jac[j][:, col] = g._data.reshape(-1)
            col += 1
    return jac


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Check ``func``'s gradients against central finite differences.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or tuple of arguments; those with ``requires_grad=True`` are checked.
        eps, atol, rtol: perturbation size and tolerances (``|a - n| <= atol + rtol * |n|``).
        raise_exception: raise GradcheckError on a mismatch (else return False).

    Returns:
        True if every (output, input) Jacobian matches.

    ``fast_mode``, ``nondet_tol`` and the ``check_undefined_grad``/``check_batched_*``
    flags are accepted for PyTorch compatibility; ember always checks the full Jacobian.
    """
    Tensor = _tensor()
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: check_forward_ad=True (forward-mode AD) is not supported by ember")
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ")
    if not check_backward_ad:
        return True
    outs = _outputs(func, inputs)
    analytical = _analytical_jacobian(outs, inputs, diff_idx)
    numerical = _numerical_jacobian(func, inputs, diff_idx, eps)
    bounds = np.cumsum([0] + [o._data.size for o in outs])
    for o in range(len(outs)):
        cols = slice(bounds[o], bounds[o + 1])
        for j, (n, a) in enumerate(zip(numerical, analytical)):
            n, a = n[:, cols], a[:, cols]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {o} with respect to input {diff_idx[j]},\n"
                             f"numerical:{n}\nanalytical:{a}\n", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives: gradcheck of ``(inputs, v) -> autograd.grad(func(inputs), inputs, v,
    create_graph=True)``. ``grad_outputs`` (the ``v``) default to random tensors that require grad,
    so the derivative with respect to ``v`` is checked too."""
    from . import grad as autograd_grad

    Tensor = _tensor()
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: check_fwd_over_rev=True (forward-mode AD) is not supported by ember")
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                             .requires_grad_(True) for o in _outputs(func, inputs))
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        pairs = [(o, v) for o, v in zip(outs, vs) if o._requires_grad]
        gs = autograd_grad(tuple(o for o, _ in pairs), tuple(xs[i] for i in diff_idx), tuple(v for _, v in pairs),
                           create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
