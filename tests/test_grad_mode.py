"""Grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode) and anomaly detection,
against PyTorch (see test_autograd's ``same``)."""
import warnings

import pytest
import torch

import ember
from tests.test_autograd import same, same_error


@pytest.fixture(autouse=True)
def _restore_modes():
    """A failing test must not leave grad mode or anomaly mode switched for the next one."""
    yield
    for m in (torch, ember):
        m.set_grad_enabled(True)
        m.autograd.set_detect_anomaly(False)


def test_no_grad_context_and_factories():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            y = x * 2
            inside = m.is_grad_enabled()
            w = m.zeros(2, requires_grad=True)  # factories still make leaves that require grad
        return y.requires_grad, y.grad_fn, inside, m.is_grad_enabled(), w.requires_grad, (w * 2).requires_grad
    same(prog)


def test_nesting_and_exceptions_restore_state():
    def prog(m):
        states = []
        with m.no_grad():
            states.append(m.is_grad_enabled())
            with m.enable_grad():
                states.append(m.is_grad_enabled())
                with m.set_grad_enabled(False):
                    states.append(m.is_grad_enabled())
                states.append(m.is_grad_enabled())
            states.append(m.is_grad_enabled())
        try:
            with m.no_grad():
                with m.enable_grad():
                    raise KeyError("boom")
        except KeyError:
            states.append(m.is_grad_enabled())
        return states, m.is_grad_enabled()
    same(prog)


def test_set_grad_enabled_as_call_context_and_decorator():
    def prog(m):
        m.set_grad_enabled(False)
        after_call = m.is_grad_enabled()
        m.set_grad_enabled(True)

        @m.set_grad_enabled(False)
        def double(x):
            return x * 2, m.is_grad_enabled()

        after_decoration = m.is_grad_enabled()
        x = m.ones(2, requires_grad=True)
        y, inside = double(x)
        with m.set_grad_enabled(False):
            z = x * 2
        return after_call, after_decoration, y.requires_grad, inside, m.is_grad_enabled(), z.requires_grad
    same(prog)


def test_decorators_with_and_without_parentheses():
    def prog(m):
        @m.no_grad()
        def a(x):
            return x * 2

        @m.no_grad
        def b(x):
            return x * 2

        @m.enable_grad
        def c(x):
            return x * 2

        @m.inference_mode()
        def d(x):
            return x * 2, m.is_inference_mode_enabled()

        @m.inference_mode
        def e(x):
            return x * 2, m.is_grad_enabled()

        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            cx = c(x)
        return a(x).requires_grad, b(x).requires_grad, cx.requires_grad, d(x)[0].requires_grad, d(x)[1], \
            e(x)[1], a.__name__, b.__name__
    same(prog)


def test_decorated_generator_keeps_mode_inside_only():
    def prog(m):
        @m.no_grad()
        def gen():
            yield m.is_grad_enabled()
            yield m.is_grad_enabled()

        it = gen()
        return next(it), m.is_grad_enabled(), next(it)
    same(prog)


def test_inference_mode():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        with m.inference_mode():
            y = x * 2
            states = (m.is_grad_enabled(), m.is_inference_mode_enabled())
            with m.inference_mode(False):
                inner = (m.is_grad_enabled(), m.is_inference_mode_enabled())
        return y.requires_grad, states, inner, m.is_inference_mode_enabled(), x.is_inference()
    same(prog)


def test_inference_mode_false_enables_grad():
    def prog(m):
        with m.no_grad():
            with m.inference_mode(False):
                return m.is_grad_enabled(), m.is_inference_mode_enabled()
    same(prog)


# -- anomaly detection ----------------------------------------------------------------------------
def test_detect_anomaly_names_the_node_and_warns_with_forward_trace():
    def prog(m):
        x = m.tensor([0., 1.], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with m.autograd.detect_anomaly():
                y = x / x
                try:
                    y.sum().backward()
                except RuntimeError as e:
                    msg = str(e)
        texts = [str(i.message) for i in w]
        assert any("Anomaly Detection has been enabled" in t for t in texts)
        trace = [t for t in texts if t.startswith("Error detected in DivBackward0")]
        assert trace and "y = x / x" in trace[0], texts
        return msg, m.is_grad_enabled()
    same(prog)


def test_set_detect_anomaly_and_check_nan():
    def prog(m):
        x = m.tensor([0., 1.], requires_grad=True)
        m.autograd.set_detect_anomaly(True)
        try:
            (m.sqrt(x) * 0).sum().backward()
        except RuntimeError as e:
            msg = str(e)
        finally:
            m.autograd.set_detect_anomaly(False)
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            x.grad = None
            (m.sqrt(x) * 0).sum().backward()  # NaN, but not checked
        return msg, x.grad, m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()
    same(prog)
    same_error(lambda m: _nan_in_custom_function(m), "Function 'BadBackward' returned nan values in its 0th output.")


def _nan_in_custom_function(m):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = m.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with m.autograd.detect_anomaly():
            Bad.apply(x).sum().backward()


def test_anomaly_off_lets_nan_through():
    def prog(m):
        x = m.tensor([0., 1.], requires_grad=True)
        (x / x).sum().backward()
        return x.grad
    same(prog)
