"""``Optimizer``: the base class of every optimizer (param groups, per-parameter state, state_dict).

An optimizer holds ``param_groups``, a list of dicts: each has ``"params"`` (a list of
Tensors) and every option of the optimizer (``lr``, ``momentum``, ...), taken from the
group when given there and from ``defaults`` otherwise. ``state`` maps each parameter to a
dict of its running buffers (Adam's ``exp_avg``, SGD's ``momentum_buffer``, ...).

How a step runs (the built-in optimizers): ``step`` walks every parameter that has a
gradient and asks the subclass for the update, ``_update(p, g, s, group)``, a pure function
on NumPy arrays that returns the new parameter value and the new state buffers. Only when
every update has been computed are they applied: the parameter in place (views and modules
share its memory; its version counter is bumped), the state by rebinding each buffer's
array. So a step that fails half-way (a gradient of the wrong shape or dtype) changes nothing.

``state_dict()`` has PyTorch's layout: parameters are replaced by integer ids, numbered in
order through the groups::

    {"state": {0: {"step": tensor(3.), "exp_avg": tensor(...), ...}, ...},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1, 2]}, ...]}
"""
import copy
import warnings
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor, reset_grads

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks an option that every param group must give (it has no default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_HOOK_KINDS = ("_step_pre_hooks", "_step_post_hooks", "_state_dict_pre_hooks", "_state_dict_post_hooks",
               "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


def _with_step_hooks(step):
    """Wrap an optimizer's ``step`` so that the step pre- and post-hooks run around it (once,
    even when a subclass's ``step`` calls ``super().step()``)."""

    def hooked_step(self, *args, **kwargs):
        d = self.__dict__
        if d.get("_in_step"):
            return step(self, *args, **kwargs)
        if self._step_pre_hooks:
            for hook in list(self._step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
        d["_in_step"] = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            d["_in_step"] = False
        d["_opt_called"] = True  # read by the lr schedulers' "scheduler stepped first" warning
        if self._step_post_hooks:
            for hook in list(self._step_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    hooked_step.__name__, hooked_step.__doc__ = step.__name__, step.__doc__
    hooked_step.__wrapped__ = step
    return hooked_step


def grad_mismatch(opt, p, grad):
    """The error of a step whose gradient does not fit its parameter (raised before any update)."""
    return RuntimeError(f"{type(opt).__name__}.step: the gradient of a parameter of shape {tuple(p._data.shape)} and "
                        f"dtype {p.dtype} has shape {tuple(grad._data.shape)} and dtype {grad.dtype}; nothing was "
                        "updated")


def add_(a, b):
    """``a += b`` on arrays, in place. NOTE: an item store for one-element arrays, where NumPy's
    ``out=`` costs 0.3-0.4 us more."""
    if a.size != 1:
        np.add(a, b, out=a, casting="unsafe")
    else:
        a[()] = a + b


def _to_scalar(x):
    """A learning rate (or beta) given as a 1-element Tensor, as a Python float."""
    return x.item() if isinstance(x, Tensor) else x


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _lerp(start, end, weight):
    """``start + weight * (end - start)``, computed as PyTorch's ``lerp`` does (the form that is
    exact at the nearer end)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _scalar_dtype():
    """The dtype of the ``step`` counters: float32, or float64 when that is the default dtype."""
    return np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32


def _reject(name, **options):
    """Options that only select a PyTorch kernel (fused/capturable/differentiable) and that ember
    cannot honour: asking for one raises rather than silently computing something else."""
    for option, value in options.items():
        if value:
            raise NotImplementedError(f"{name}: {option}=True is not supported by ember (NumPy on the CPU has "
                                      f"no {option} implementation); leave {option} at its default")


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): Tensors to optimize, or dicts defining parameter groups (each with a
            ``"params"`` entry and any options that override ``defaults`` for that group).
        defaults (dict): the default value of every optimization option.

    Subclasses implement ``_update(p, g, s, group)`` (arrays in, new arrays out: see the
    module docstring) or override ``step`` entirely.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        for kind in _HOOK_KINDS:
            setattr(self, kind, OrderedDict())
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {params.type()}")
        if isinstance(params, (set, frozenset)):
            # NOTE: PyTorch 2.13 turns a top-level set into a list silently; its order changes from run
            # to run, so ember refuses it, as PyTorch does for a set inside a param group.
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for kind in _HOOK_KINDS:
            if kind not in self.__dict__:
                setattr(self, kind, OrderedDict())

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    # -- param groups -----------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional per-group options),
        e.g. layers unfrozen while fine-tuning. Missing options are filled from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # (name, tensor) pairs from named_parameters()
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + (type(p).__module__ + "." + type(p).__name__ if type(p).__module__ != "builtins"
                                   else type(p).__name__))
            if not (p.grad_fn is None or p._retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and the step -------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradient of every parameter: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            reset_grads(group["params"], set_to_none)

    def _update(self, p, g, s, group):
        """The update of one parameter: ``p`` and ``g`` are its value and gradient (arrays, not
        to be modified), ``s`` its state with every Tensor unwrapped to its array (empty on the
        first step). Returns ``(new_p, new_state)``: the new value (a fresh array) and a dict of
        the state entries to store (arrays are wrapped into Tensors)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update() or override step()")

    @_with_step_hooks
    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss (run with
                grad mode enabled). Its result is returned.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        updates = []
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                pa, ga = p._data, grad._data
                if ga.shape != pa.shape or ga.dtype != pa.dtype:
                    raise grad_mismatch(self, p, grad)
                state = self.state.get(p)
                s = {k: (v._data if isinstance(v, Tensor) else v) for k, v in state.items()} if state else {}
                updates.append((p, *self._update(pa, ga, s, group)))
        # Everything computed: commit.
        for p, new_p, new_state in updates:
            if new_p is not None:
                np.copyto(p._data, new_p, casting="unsafe")
                p._bump()
            if new_state:
                state = self.state[p]
                for k, v in new_state.items():
                    old = state.get(k)
                    if isinstance(v, (np.ndarray, np.generic)):
                        # NOTE: rebinding the array of the existing buffer Tensor (rather than copying into it)
                        # keeps its identity, so a state_dict taken earlier sees the new values, as in PyTorch.
                        if isinstance(old, Tensor):
                            old._data = np.asarray(v)
                        else:
                            state[k] = Tensor._make(np.asarray(v))
                    else:
                        state[k] = v
        return loss

    # -- hooks --------------------------------------------------------------------------------
    def _register(self, kind, hook, prepend=False):
        hooks = getattr(self, kind)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``, run before each step."""
        return self._register("_step_pre_hooks", hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None``, run after each step."""
        return self._register("_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return self._register("_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return self._register("_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return self._register("_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return self._register("_load_state_dict_post_hooks", hook, prepend)

    # -- state_dict -----------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as ``{"state": {id: {...}}, "param_groups": [{..., "params": [ids]}]}``.

        Parameters are numbered in order through the groups; the state holds the live buffer
        Tensors (not copies), as in PyTorch.
        """
        for hook in self._state_dict_pre_hooks.values():
            hook(self)
        ids = {}

        def pack_group(group):
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                ids.setdefault(id(p), len(ids))
            packed["params"] = [ids[id(p)] for p in group["params"]]
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for hook in self._state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()`` (of this optimizer class, with groups of the same sizes).

        State tensors are copied and cast to their parameter's dtype (``step`` keeps its own).
        """
        state_dict = state_dict.copy()
        for hook in self._load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            # NOTE: a copy even when the dtype already matches (PyTorch aliases then), so that two
            # optimizers loaded from one state_dict never share buffers. The counters keep their dtype:
            # ``step``, and NAdam's ``mu_product``, which PyTorch would cast to float64 for float64
            # parameters, so that a resumed run would drift from an uninterrupted one.
            if isinstance(value, Tensor):
                data = value._data
                if key not in ("step", "mu_product") and param.is_floating_point():
                    data = data.astype(param._data.dtype)
                return Tensor._make(np.array(data))
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
                step = state[param].get("step") if isinstance(state[param], dict) else None
                if step is not None and not isinstance(step, Tensor):  # an old checkpoint's Python number
                    state[param]["step"] = Tensor._make(np.array(float(step), _scalar_dtype()))
            else:
                state[k] = v
        param_groups = []
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            for name, default in self.defaults.items():  # options an older checkpoint lacks
                new_group.setdefault(name, default)
            param_groups.append(new_group)
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._load_state_dict_post_hooks.values():
            hook(self)
