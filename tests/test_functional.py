"""ember.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch.autograd.functional."""
import numpy as np

from tests.test_autograd import same, same_error

X = [[0.5, -1.2, 2.0], [0.3, 0.7, -0.4]]
V = [[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]
TOL = dict(atol=1e-12, rtol=1e-10)


def _t(m, values, requires_grad=False):
    return m.tensor(values, dtype=m.float64, requires_grad=requires_grad)


def _rowfn(m):
    return lambda x: (x ** 2).sum(1) * m.sin(x[:, 0])


def _scalar(m):
    return lambda x: (x ** 3 * m.sin(x)).sum()


def test_jacobian_single_and_tuples():
    same(lambda m: m.autograd.functional.jacobian(_rowfn(m), _t(m, X)), **TOL)
    same(lambda m: m.autograd.functional.jacobian(lambda a, b: (a * b, (a + b).sum()), (_t(m, X), _t(m, V))),
         **TOL)
    same(lambda m: m.autograd.functional.jacobian(lambda a, b: a * m.exp(b), (_t(m, X[0]), _t(m, V[0]))), **TOL)
    same(lambda m: m.autograd.functional.jacobian(lambda a: (a * 2, a.sum()), _t(m, X[1])), **TOL)


def test_jacobian_of_independent_input_is_zero_unless_strict():
    same(lambda m: m.autograd.functional.jacobian(lambda x, y: x * 2, (_t(m, X[0]), _t(m, V[0]))))
    same_error(lambda m: m.autograd.functional.jacobian(lambda x, y: x * 2, (_t(m, X), _t(m, V)), strict=True),
               "Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode.")


def test_jacobian_create_graph_stays_connected():
    def prog(m):
        x = _t(m, X, requires_grad=True)
        J = m.autograd.functional.jacobian(_rowfn(m), x, create_graph=True)
        (J * J).sum().backward()
        plain = m.autograd.functional.jacobian(_rowfn(m), x)
        return J.requires_grad, x.grad, plain.requires_grad
    same(prog, **TOL)


def test_hessian():
    same(lambda m: m.autograd.functional.hessian(_scalar(m), _t(m, X)), **TOL)
    same(lambda m: m.autograd.functional.hessian(lambda x, y: (x ** 3 * m.sin(y)).sum(), (_t(m, X[0]), _t(m, V[0]))),
         **TOL)
    same_error(lambda m: m.autograd.functional.hessian(lambda x: x * 2, _t(m, X)),
               "The Tensor returned by the function given to hessian should contain a single element")


def test_vjp_and_jvp():
    same(lambda m: m.autograd.functional.vjp(_rowfn(m), _t(m, X), _t(m, [1.0, 2.0])), **TOL)
    same(lambda m: m.autograd.functional.vjp(lambda x: (x * x).sum(), _t(m, X)), **TOL)
    same(lambda m: m.autograd.functional.jvp(_rowfn(m), _t(m, X), _t(m, V)), **TOL)
    same(lambda m: m.autograd.functional.jvp(lambda a, b: (a * b, a - b), (_t(m, X), _t(m, V)),
                                             (_t(m, V), _t(m, X))), **TOL)
    same_error(lambda m: m.autograd.functional.vjp(lambda x: x * 2, _t(m, X)),
               "The vector v can only be None if the user-provided function returns a single Tensor with a single "
               "element.")
    same_error(lambda m: m.autograd.functional.vjp(lambda x, y: x * 2, (_t(m, X), _t(m, V)), _t(m, X), strict=True),
               "The output of the user-provided function is independent of input 1. This is not allowed in strict "
               "mode.")
    same_error(lambda m: m.autograd.functional.vjp(_rowfn(m), _t(m, X), _t(m, [1.0, 2.0, 3.0])),
               "v has invalid size: should be torch.Size([2]) but got torch.Size([3]).")


def test_hvp_and_vhp():
    same(lambda m: m.autograd.functional.hvp(_scalar(m), _t(m, X), _t(m, V)), **TOL)
    same(lambda m: m.autograd.functional.vhp(_scalar(m), _t(m, X), _t(m, V)), **TOL)
    same(lambda m: m.autograd.functional.hvp(lambda x, y: (x ** 2 * m.exp(y)).sum(), (_t(m, X), _t(m, V)),
                                             (_t(m, V), _t(m, X))), **TOL)

    def create_graph(m):
        x = _t(m, X, requires_grad=True)
        out, hv = m.autograd.functional.vhp(_scalar(m), x, _t(m, V), create_graph=True)
        hv.sum().backward()
        return out, hv, x.grad
    same(create_graph, **TOL)


def test_jacobian_matches_finite_differences():
    import ember

    x = np.array(X)
    J = ember.autograd.functional.jacobian(_rowfn(ember), ember.tensor(x)).numpy()
    f = lambda a: (a ** 2).sum(1) * np.sin(a[:, 0])  # noqa: E731
    eps = 1e-6
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        np.testing.assert_allclose(J[(slice(None),) + idx], (f(x + d) - f(x - d)) / (2 * eps), atol=1e-7)
