"""Custom autograd Functions, gradcheck and gradgradcheck, against PyTorch (see test_autograd's
``same``: one program run with torch and with ember)."""
import math

import pytest
import torch

import ember
from tests.test_autograd import f64, same, same_error


def legendre(m):
    """The seed's LegendrePolynomial3 (/work/shared/seed/04_custom_function.py)."""

    class LegendrePolynomial3(m.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def test_seed_legendre_training_loop():
    def prog(m):
        P3 = legendre(m).apply
        x = m.linspace(-math.pi, math.pi, 2000)
        y = m.sin(x)
        a, b = m.full((), 0.0, requires_grad=True), m.full((), -1.0, requires_grad=True)
        c, d = m.full((), 0.0, requires_grad=True), m.full((), 0.3, requires_grad=True)
        losses = []
        for _ in range(30):
            y_pred = a + b * P3(c + d * x)
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with m.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-6 * p.grad
                    p.grad = None
        return losses, a, b, c, d, y_pred.grad_fn.next_functions[1][0].next_functions[1][0].name()
    same(prog, atol=1e-5, rtol=1e-4)


def test_legendre_gradcheck_and_double_backward():
    P3 = legendre(ember)
    x = ember.tensor([-0.7, 0.2, 1.3], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(P3.apply, (x,))
    assert ember.autograd.gradgradcheck(P3.apply, (x,))


def test_ctx_api():
    def prog(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, y, scale=1.0):
                ctx.k, ctx.scale = k, scale              # arbitrary attributes
                ctx.needs = ctx.needs_input_grad
                mask = (x > 1).to(x.dtype)
                ctx.mark_non_differentiable(mask)
                ctx.save_for_backward(x, None, y)
                return x * y * scale * k, mask

            @staticmethod
            def backward(ctx, g, g_mask):
                x, none, y = ctx.saved_tensors
                gx = g * y * ctx.scale * ctx.k if ctx.needs_input_grad[0] else None
                gy = g * x * ctx.scale * ctx.k if ctx.needs_input_grad[2] else None
                return gx, None, gy, None

        x = m.tensor([3., 1., 2.], requires_grad=True)
        y = m.tensor([0.5, 2., -1.])
        out, mask = Scale.apply(x, 2, y, 3.0)
        (out * m.tensor([1., 2., 3.])).sum().backward()
        edges = [type(fn).__name__ if fn is not None else None for fn, _ in out.grad_fn.next_functions]
        return out, mask, x.grad, y.grad, out.grad_fn.name(), out.grad_fn.needs, out.grad_fn.needs_input_grad, edges
    same(prog)


def test_setup_context_form():
    def prog(m):
        class Mul(m.autograd.Function):
            @staticmethod
            def forward(x, y):
                return x * y

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, y = inputs
                ctx.save_for_backward(x, y)

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * y, g * x

        x, y = m.tensor([1., 2.], requires_grad=True), m.tensor([3., 4.])
        z = Mul.apply(x, y)
        z.sum().backward()
        return z, x.grad, y.grad, z.grad_fn.name()
    same(prog)


def test_multiple_outputs_and_materialize_grads():
    def prog(m):
        seen = []

        class Two(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, materialize):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1 is None, g2 is None))
                return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0), None

        x = m.tensor([1., 2.], requires_grad=True)
        a, b = Two.apply(x, True)
        a.sum().backward()
        a, b = Two.apply(x, False)
        (a.sum() + b.sum()).backward()
        a, b = Two.apply(x, False)
        a.sum().backward()
        return seen, x.grad, b.grad_fn.name(), b.output_nr
    same(prog)


def test_non_tensor_outputs_and_inputs_returned_unchanged():
    def prog(m):
        class Fn(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, n):
                return x * n, n, x

            @staticmethod
            def backward(ctx, g, gn, gx):
                return g * 2 + gx, None

        x = m.tensor([1., 2.], requires_grad=True)
        y, n, same_x = Fn.apply(x, 3)
        (y + same_x).sum().backward()
        return y, n, same_x is x, same_x.is_leaf, x.grad
    same(prog)


def test_mark_dirty():
    def prog(m):
        class AddOne(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                ctx.save_for_backward(x)  # saving the modified input is fine
                return x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2

        a = m.tensor([1., 2.], requires_grad=True)
        x = a.clone()
        y = AddOne.apply(x)
        (y * y).sum().backward()
        return y is x, y, x.grad_fn.name(), a.grad, x._version
    same(prog)

    def leaf(m):
        class AddOne(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        AddOne.apply(m.tensor([1., 2.], requires_grad=True))
    same_error(leaf, "a leaf Variable that requires grad has been used in an in-place operation.")


def test_no_graph_without_grad():
    def prog(m):
        F = legendre(m)
        x = m.tensor([1., 2.], requires_grad=True)
        with m.no_grad():
            y = F.apply(x)
        z = F.apply(m.tensor([1., 2.]))
        return y.requires_grad, y.grad_fn, z.requires_grad
    same(prog)


def _bad(m, grads):
    class MyFn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return grads(m, g)

    return MyFn


def test_backward_result_checks():
    x = lambda m: m.ones(3, requires_grad=True)  # noqa: E731
    same_error(lambda m: _bad(m, lambda m, g: g).apply(x(m), x(m)).sum().backward(),
               "function MyFnBackward returned an incorrect number of gradients (expected 2, got 1)")
    same_error(lambda m: _bad(m, lambda m, g: (g, 3)).apply(x(m), x(m)).sum().backward(),
               "expected Variable or None (got int)")
    same_error(lambda m: _bad(m, lambda m, g: (g, g)).apply(x(m), 2.0).sum().backward(),
               "function MyFnBackward returned a gradient different than None at position 2, but the "
               "corresponding forward input was not a Variable")
    same_error(lambda m: _bad(m, lambda m, g: (m.ones(4), None)).apply(x(m), 2.0).sum().backward(),
               "Function MyFnBackward returned an invalid gradient at index 0 - got [4] but expected shape "
               "compatible with [3]")

    def extra_nones_and_broadcast(m):
        a, b = x(m), m.ones(3, requires_grad=True)
        _bad(m, lambda m, g: (g * m.ones(2, 3), g * 2, None, None)).apply(a, b).sum().backward()
        return a.grad, b.grad  # a gradient the input broadcasts to is summed back to its shape
    same(extra_nones_and_broadcast)


def test_saved_tensors_freed_and_version_checked():
    def twice(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = legendre(m).apply(x).sum()
        y.backward()
        y.backward()
    same_error(twice, "Trying to backward through the graph a second time")

    def nothing_saved(m):  # nothing to free: a second pass is allowed
        x = m.tensor([1., 2.], requires_grad=True)
        y = _bad(m, lambda m, g: (g * 2, None)).apply(x, 3.0).sum()
        y.backward()
        y.backward()
        return x.grad
    same(nothing_saved)

    def modified(m):
        x = m.ones(3, requires_grad=True)
        a = x * 1
        b = legendre(m).apply(a)
        a.add_(1)
        b.sum().backward()
    same_error(modified, "modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Add, "
                         "is at version 1; expected version 0 instead")


def test_double_backward_through_custom_function():
    def prog(m):
        x = f64(m, [1.0, 2.0, -0.5])
        y = legendre(m).apply(x)
        g, = m.autograd.grad(y.sum(), x, create_graph=True)
        gg, = m.autograd.grad((g * g).sum(), x)
        return y, g, gg, g.grad_fn.name()
    same(prog, atol=1e-12, rtol=1e-10)


def _once(m):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x

    return Square


def test_once_differentiable():
    def plain(m):
        x = f64(m, [1.0, 2.0])
        g, = m.autograd.grad(_once(m).apply(x).sum(), x, create_graph=True)
        return g, g.requires_grad
    same(plain)

    def differentiated_again(m):
        x, v = f64(m, [1.0, 2.0]), f64(m, [1.0, 1.0])
        g, = m.autograd.grad(_once(m).apply(x), x, v, create_graph=True)
        assert g.requires_grad and g.grad_fn.name() == "torch::autograd::Error"
        g.sum().backward()
    same_error(differentiated_again, "trying to differentiate twice a function that was marked with "
                                     "@once_differentiable")


def test_missing_backward():
    def prog(m):
        class Fn(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        Fn.apply(m.ones(2, requires_grad=True)).sum().backward()
    same_error(prog, "You must implement either the backward or vjp method", NotImplementedError)


# -- gradcheck -------------------------------------------------------------------------------------
def _wrong(m):
    class Wrong(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x  # should be 2 * g * x

    return Wrong


def test_gradcheck_passes_and_fails_like_torch():
    def prog(m):
        x, y = f64(m, [[0.3, -1.2], [2.0, 0.5]]), f64(m, [0.7, -0.1])
        good = m.autograd.gradcheck(lambda a, b: (m.tanh(a) * b, (a * a).sum()), (x, y))
        bad = m.autograd.gradcheck(_wrong(m).apply, (x,), raise_exception=False)
        goodgrad = m.autograd.gradgradcheck(lambda a, b: m.sin(a) * b ** 2, (x, y))
        badgrad = m.autograd.gradgradcheck(_wrong(m).apply, (x,), raise_exception=False)
        return good, bad, goodgrad, badgrad
    same(prog)
    same_error(lambda m: m.autograd.gradcheck(_wrong(m).apply, (f64(m, [1.0, 2.0]),)),
               "Jacobian mismatch for output 0 with respect to input 0")

    def second_output(m):
        class Pair(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 4  # the second output's derivative is 3, not 4

        m.autograd.gradcheck(Pair.apply, (f64(m, [1.0, 2.0]),))
    same_error(second_output, "Jacobian mismatch for output 1 with respect to input 0")
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradcheck(_wrong(ember).apply, (f64(ember, [1.0]),))


def test_keyword_arguments_take_a_gradient_slot():
    def prog(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, scale=1.0):
                ctx.scale = scale
                return x * scale

            @staticmethod
            def backward(ctx, g):
                return g * ctx.scale, None

        class SetupScale(m.autograd.Function):
            @staticmethod
            def forward(x, scale=2.0):
                return x * scale

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.n_inputs, ctx.scale = len(inputs), inputs[1]

            @staticmethod
            def backward(ctx, g):
                return g * ctx.scale, None

        x = m.tensor([1., 2.], requires_grad=True)
        Scale.apply(x, scale=3.0).sum().backward()
        y = SetupScale.apply(x)
        y.sum().backward()
        return x.grad, y.grad_fn.n_inputs, y.grad_fn.needs_input_grad
    same(prog)
    same_error(lambda m: _bad(m, lambda m, g: g).apply(m.ones(2, requires_grad=True), y=2.0).sum().backward(),
               "returned an incorrect number of gradients (expected 2, got 1)")
