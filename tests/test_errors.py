"""Bad inputs get PyTorch's exception type and message (naming the op, shapes, dtypes), and a
failing op leaves its tensors unchanged. Each case runs with torch and with ember."""
import pytest

import ember
from tests.test_autograd import same, same_error


# -- shapes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prog,match", [
    (lambda m: m.ones(2, 3) + m.ones(4), "The size of tensor a (3) must match the size of tensor b (4) at "
                                         "non-singleton dimension 1"),
    (lambda m: m.ones(5, 1, 3) - m.ones(4, 2), "The size of tensor a (3) must match the size of tensor b (2) at "
                                               "non-singleton dimension 2"),
    (lambda m: m.ones(2, 3) * m.ones(2, requires_grad=True), "The size of tensor a (3) must match the size of "
                                                             "tensor b (2) at non-singleton dimension 1"),
    (lambda m: m.ones(2, 3) < m.ones(4), "The size of tensor a (3) must match the size of tensor b (4)"),
    (lambda m: m.where(m.ones(2, 3) > 0, m.ones(4), 0.), "The size of tensor a (3) must match the size of tensor b "
                                                         "(4) at non-singleton dimension 1"),
], ids=["add", "sub-3d", "mul-grad", "lt", "where"])
def test_broadcasting_mismatch(prog, match):
    same_error(prog, match)


@pytest.mark.parametrize("prog,match", [
    (lambda m: m.ones(2, 3) @ m.ones(4, 5), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda m: m.matmul(m.ones(3), m.ones(4)), "inconsistent tensor size, expected tensor [3] and src [4] to have "
                                               "the same number of elements, but got 3 and 4 elements respectively"),
    (lambda m: m.ones(2, 3) @ m.ones(4), "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda m: m.ones(2, 2, 3) @ m.ones(3, 3, 5), "The size of tensor a (2) must match the size of tensor b (3) at "
                                                  "non-singleton dimension 0"),
    (lambda m: m.ones(()) @ m.ones(3), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda m: m.ones(2, 2, dtype=m.int64) @ m.ones(2, 2), "expected m1 and m2 to have the same dtype, but got: "
                                                           "long int != float"),
], ids=["2d", "1d", "mv", "batch", "0d", "dtype"])
def test_matmul_mismatch(prog, match):
    same_error(prog, match)


@pytest.mark.parametrize("prog,match", [
    (lambda m: m.ones(2, 3).t().view(6), "view size is not compatible with input tensor's size and stride (at least "
                                         "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                                         "instead."),
    (lambda m: m.ones(2, 3).view(4), "shape '[4]' is invalid for input of size 6"),
    (lambda m: m.ones(2, 3).reshape(4, -1), "shape '[4, -1]' is invalid for input of size 6"),
    (lambda m: m.ones(2, 3).expand(4, 3), "The expanded size of the tensor (4) must match the existing size (2) at "
                                          "non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]"),
], ids=["view-layout", "view-size", "reshape", "expand"])
def test_bad_views(prog, match):
    same_error(prog, match)


@pytest.mark.parametrize("prog,match", [
    (lambda m: m.ones(2, 3)[5], "index 5 is out of bounds for dimension 0 with size 2"),
    (lambda m: m.ones(2, 3)[-3], "index -3 is out of bounds for dimension 0 with size 2"),
    (lambda m: m.ones(2, 3)[:, 3], "index 3 is out of bounds for dimension 1 with size 3"),
    (lambda m: m.ones(2, 3)[m.tensor([0, 7])], "index 7 is out of bounds for dimension 0 with size 2"),
    (lambda m: m.ones(2, 3)[0, 0, 0], "too many indices for tensor of dimension 2"),
], ids=["int", "negative", "second-dim", "tensor", "too-many"])
def test_index_out_of_range(prog, match):
    same_error(prog, match, IndexError)


def test_dim_out_of_range():
    same_error(lambda m: m.ones(2, 3).sum(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
               IndexError)


# -- devices -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("prog", [lambda: ember.ones(2, device="cuda"), lambda: ember.ones(2).to("cuda"),
                                  lambda: ember.ones(2).cuda(), lambda: ember.zeros(2, device="cuda:1")],
                         ids=["factory", "to", "cuda", "index"])
def test_missing_gpu_backend_is_named(prog):
    # NOTE: PyTorch without CUDA raises AssertionError("Torch not compiled with CUDA enabled"); ember
    # raises RuntimeError naming the missing CuPy backend and never falls back to the CPU silently.
    if ember.cuda.is_available():
        pytest.skip("a GPU backend is installed")
    with pytest.raises(RuntimeError, match="device 'cuda' needs the CuPy GPU backend"):
        prog()


def test_unknown_device_type():
    same_error(lambda m: m.ones(2, device="tpu"), "device type at start of device string: tpu")


# -- autograd ----------------------------------------------------------------------------------------
def test_autograd_misuse():
    same_error(lambda m: m.ones(2, requires_grad=True).add_(1),
               "a leaf Variable that requires grad is being used in an in-place operation.")

    def twice(m):
        x = m.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same_error(twice, "Trying to backward through the graph a second time (or directly access saved tensors after "
                      "they have already been freed).")
    same_error(lambda m: (m.ones(2, requires_grad=True) * 2).backward(),
               "grad can be implicitly created only for scalar outputs")

    def wrong_grads(m):
        class MyFn(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g

        x = m.ones(2, requires_grad=True)
        MyFn.apply(x, x).sum().backward()
    same_error(wrong_grads, "function MyFnBackward returned an incorrect number of gradients (expected 2, got 1)")
    same_error(lambda m: m.add(m.ones(2, requires_grad=True), 1, out=m.empty(2)),
               "add(): functions with out=... arguments don't support automatic differentiation, but one of the "
               "arguments requires grad.")
    same_error(lambda m: m.ones(2, requires_grad=True).numpy(), "Can't call numpy() on Tensor that requires grad.")


# -- dtypes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prog,match", [
    (lambda m: m.tensor([1, 2]).requires_grad_(), "only Tensors of floating point dtype can require gradients"),
    (lambda m: m.tensor([1, 2]).mean(), "mean(): could not infer output dtype. Input dtype must be either a floating "
                                        "point or complex dtype. Got: Long"),
    (lambda m: m.tensor([1, 2]).std(), "std and var only support floating point and complex dtypes"),
    (lambda m: m.ones(2, dtype=m.int64).add_(1.5), "result type Float can't be cast to the desired output type Long"),
    (lambda m: m.ones(2, dtype=m.int64).div_(2), "result type Float can't be cast to the desired output type Long"),
    (lambda m: -m.tensor([True]), "Negation, the `-` operator, on a bool tensor is not supported."),
], ids=["requires_grad", "mean", "std", "add_", "div_", "neg-bool"])
def test_unsupported_dtype(prog, match):
    same_error(prog, match)


def test_scalar_conversions():
    same_error(lambda m: m.ones(2).item(), "a Tensor with 2 elements cannot be converted to Scalar")
    same_error(lambda m: bool(m.ones(2)), "Boolean value of Tensor with more than one value is ambiguous")


# -- a failing op changes nothing ------------------------------------------------------------------
def _attempt(fn):
    try:
        fn()
    except (RuntimeError, IndexError):
        return True
    return False


def test_failed_inplace_ops_leave_tensors_unchanged():
    def prog(m):
        x = m.tensor([1., 2., 3.])
        i = m.tensor([1, 2])
        a = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        y = a * 2
        failed = [
            _attempt(lambda: x.add_(m.ones(4))),
            _attempt(lambda: x.mul_(m.ones(2, 3))),
            _attempt(lambda: x.__setitem__(slice(None), m.ones(4))),
            _attempt(lambda: x.__setitem__(5, 1.)),
            _attempt(lambda: i.add_(0.5)),
            _attempt(lambda: y.add_(m.ones(3))),
            _attempt(lambda: y[0].mul_(m.ones(3))),
            _attempt(lambda: y.copy_(m.ones(3))),
        ]
        y.sum().backward()
        return failed, x, x._version, i, y, a.grad
    same(prog)


# -- bool tensors in subtraction ---------------------------------------------------------------------
@pytest.mark.parametrize("prog,match", [
    (lambda m: m.tensor([True, False]) - 1, "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda m: 1.5 - m.tensor([True, False]), "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda m: m.ones(2) - m.tensor([True, False]), "with a bool tensor is not supported"),
    (lambda m: m.tensor([True]) - m.tensor([False]), "with two bool tensors is not supported"),
], ids=["bool-int", "float-bool", "float_t-bool_t", "bool-bool"])
def test_bool_subtraction(prog, match):
    same_error(prog, match)
