"""gradcheck and gradgradcheck: compare autograd's gradients with central finite differences.

For each differentiable input, the numerical Jacobian perturbs one element at a time
by +-eps; the analytical Jacobian is built row by row with ``autograd.grad`` and one-hot
output gradients. Use float64 inputs: float32 differences are too coarse.
"""
import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck (when ``raise_exception=True``) on a mismatch."""


def _tensor():
    from ..tensor import Tensor

    return Tensor


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _outputs(fn, inputs):
    Tensor = _tensor()
    outs = _as_tuple(fn(*inputs))
    return tuple(o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point)


def _flat_outputs(fn, inputs):
    outs = _outputs(fn, inputs)
    if not outs:
        return np.zeros(0)
    return np.concatenate([o._data.reshape(-1).astype(np.float64) for o in outs])


def _numerical_jacobian(fn, inputs, diff_idx, eps):
    """Central differences, one input element at a time.

    NOTE: grad mode stays on: gradgradcheck's function itself calls autograd.grad.
    """
    n_out = _flat_outputs(fn, inputs).size
    jac = []
    for i in diff_idx:
        x = inputs[i]
        J = np.zeros((x.numel(), n_out))
        for k in range(x.numel()):
            idx = np.unravel_index(k, x._data.shape) if x._data.ndim else ()
            orig = x._data[idx].copy()
            x._data[idx] = orig + eps
            plus = _flat_outputs(fn, inputs)
            x._data[idx] = orig - eps
            minus = _flat_outputs(fn, inputs)
            x._data[idx] = orig
            J[k] = (plus - minus) / (2 * eps)
        jac.append(J)
    return jac


def _analytical_jacobian(fn, inputs, diff_idx):
    from . import grad as autograd_grad

    Tensor = _tensor()
    outs = _outputs(fn, inputs)
    n_out = sum(o.numel() for o in outs)
    jac = [np.zeros((inputs[i].numel(), n_out)) for i in diff_idx]
    col = 0
    for o in outs:
        for k in range(o.numel()):
            if not o.requires_grad:
                col += 1
                continue
            go = np.zeros(o._data.shape, o._data.dtype)
            go.reshape(-1)[k] = 1
            grads = autograd_grad((o,), tuple(inputs[i] for i in diff_idx), (Tensor._make(go),),
                                  retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is not None:
                    jac[j][:, col] = g._data.reshape(-1)
            col += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True if ``func``'s gradients w.r.t. every input that requires grad match central finite
    differences within ``atol + rtol * |numerical|``; otherwise raises GradcheckError (or returns
    False with ``raise_exception=False``)."""
    Tensor = _tensor()
    if check_forward_ad:
        raise NotImplementedError("gradcheck: check_forward_ad=True (forward-mode AD) is not supported by ember")
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point.")
    numerical = _numerical_jacobian(func, inputs, diff_idx, eps)
    analytical = _analytical_jacobian(func, inputs, diff_idx)
    for j, (n, a) in enumerate(zip(numerical, analytical)):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            msg = (f"Jacobian mismatch for output 0 with respect to input {diff_idx[j]},\n"
                   f"numerical:{n}\nanalytical:{a}\n")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradient: checks second derivatives (``create_graph=True`` backward)."""
    from . import grad as autograd_grad

    Tensor = _tensor()
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                             .requires_grad_(True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        os = _outputs(func, xs)
        diff_xs = tuple(xs[i] for i in diff_idx)
        gs = autograd_grad(os, diff_xs, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
