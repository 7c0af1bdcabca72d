"""Loading, environment and dispatch for the NumPy MIL interpreter.

A program is loaded once (from an ``.mlpackage`` path, an in-memory
``MLModel`` or a pymil ``Program``), then the ops of function ``main`` are
executed in order. Every op type maps to a handler in ``OP_TABLE``:
``handler(op, env) -> value or tuple of values``. After each op the results
are cast to the dtype declared by the op's output vars and their shapes are
checked against the declared (static) shapes.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional

import numpy as np

OP_TABLE: Dict[str, Callable] = {}

_IOS16 = 7  # opset_version value of ct.target.iOS16
_IOS17 = 8  # opset_version value of ct.target.iOS17


class InterpreterError(ValueError):
    """Raised for bad inputs, unknown ops and ops that cannot be executed."""


def register(*op_types: str):
    """Decorator: register a handler for one or more MIL op types."""

    def deco(fn):
        for t in op_types:
            if t in OP_TABLE:
                raise RuntimeError(f"duplicate interpreter handler for op type {t!r}")
            OP_TABLE[t] = fn
        return fn

    return deco


# ----------------------------------------------------------------------------
# dtype helpers
# ----------------------------------------------------------------------------


def np_dtype(builtin_type):
    """NumPy dtype of a MIL builtin scalar type (None for non-numeric)."""
    from coremltools.converters.mil.mil import types

    try:
        t = types.nptype_from_builtin(builtin_type)
    except KeyError:
        return None
    if t is np.str_:
        return None
    return np.dtype(t)


def var_np_dtype(var):
    """NumPy dtype declared for a Var (tensor, scalar or state)."""
    return np_dtype(var.dtype)


def is_static_shape(shape) -> bool:
    """True if every dim of ``shape`` is a concrete integer."""
    return all(isinstance(d, (int, np.integer)) for d in shape)


def opset(op) -> int:
    """The opset version of an op's class (4 = iOS13/15, 7 = iOS16, 8 = iOS17, 9 = iOS18)."""
    v = getattr(op, "opset_version", None)
    return int(v) if v is not None else 0


def acc(x: np.ndarray) -> np.ndarray:
    """Upcast fp16 to fp32 for accumulation; other dtypes unchanged."""
    x = np.asarray(x)
    if x.dtype == np.float16:
        return x.astype(np.float32)
    return x


def const_value(var):
    """The value of a const var as NumPy (str for string consts)."""
    val = var.val
    if val is None:
        raise InterpreterError(f"var {var.name!r} has no constant value")
    if isinstance(val, str):
        return val
    dt = var_np_dtype(var)
    arr = np.asarray(val)
    if dt is not None and arr.dtype != dt:
        arr = arr.astype(dt)
    return arr


# ----------------------------------------------------------------------------
# environment
# ----------------------------------------------------------------------------


class Env:
    """Maps Vars to values; nested blocks get a child Env."""

    def __init__(self, interp: "Interpreter", parent: Optional["Env"] = None, states=None):
        self.interp = interp
        self.parent = parent
        self.vals: Dict[Any, Any] = {}
        self.states = parent.states if parent is not None else (states if states is not None else {})

    def __getitem__(self, var):
        e = self
        while e is not None:
            if var in e.vals:
                return e.vals[var]
            e = e.parent
        is_const = var.op.op_type == "const" if var.op is not None else var.val is not None
        if is_const:
            v = const_value(var)
            self.vals[var] = v
            return v
        raise InterpreterError(f"value of var {var.name!r} is not available (not yet computed)")

    def __setitem__(self, var, value):
        self.vals[var] = value

    def child(self) -> "Env":
        return Env(self.interp, parent=self)

    def run_block(self, block, bindings=()):
        """Run a nested block with its inputs bound to ``bindings``; return its outputs."""
        env = self.child()
        if len(bindings) != len(block.inputs):
            raise InterpreterError(
                f"block {block.name!r} expects {len(block.inputs)} inputs, got {len(bindings)}"
            )
        for v, val in zip(block.inputs, bindings):
            env[v] = val
        return execute_block(block, env)


def arg(op, env: Env, name: str, default=None):
    """Value of input ``name`` of ``op`` (a list for tuple inputs), or ``default``."""
    v = op.inputs.get(name)
    if v is None:
        return default
    if isinstance(v, (list, tuple)):
        return [env[x] for x in v]
    return env[v]


def scalar(value, default=None):
    """A Python scalar from a 0-d/1-element array (or ``default`` for None)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value
    return np.asarray(value).reshape(-1)[0].item()


def ilist(value, default=None):
    """A list of Python ints from an array (or ``default`` for None)."""
    if value is None:
        return default
    return [int(v) for v in np.asarray(value).reshape(-1)]


def blist(value, n: int):
    """A list of n bools from a mask array (all False for None)."""
    if value is None:
        return [False] * n
    return [bool(v) for v in np.asarray(value).reshape(-1)]


# ----------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------


def _finish(op, result):
    """Cast results to declared output dtypes and check static shapes."""
    outs = op.outputs
    if len(outs) == 1 and not (isinstance(result, tuple) and len(result) == 1):
        result = (result,)
    result = tuple(result)
    if len(result) != len(outs):
        raise InterpreterError(
            f"op {op.name!r} ({op.op_type}) produced {len(result)} values for {len(outs)} outputs"
        )
    final = []
    for var, val in zip(outs, result):
        if isinstance(val, str):
            final.append(val)
            continue
        dt = var_np_dtype(var)
        val = np.asarray(val)
        if dt is not None and val.dtype != dt:
            val = val.astype(dt)
        shape = var.shape
        if is_static_shape(shape) and tuple(int(d) for d in shape) != val.shape:
            raise InterpreterError(
                f"op {op.name!r} ({op.op_type}) produced shape {val.shape} for output "
                f"{var.name!r}, but the program declares {tuple(shape)}"
            )
        final.append(val)
    return final


def execute_op(op, env: Env):
    """Execute one op, store its outputs in ``env``."""
    handler = OP_TABLE.get(op.op_type)
    if handler is None:
        raise InterpreterError(
            f"op type {op.op_type!r} (op {op.name!r}) is not implemented by the interpreter"
        )
    with np.errstate(all="ignore"):
        try:
            result = handler(op, env)
        except InterpreterError:
            raise
        except Exception as e:  # add op context to numpy/shape errors
            raise InterpreterError(f"op {op.name!r} ({op.op_type}) failed: {type(e).__name__}: {e}") from e
        values = _finish(op, result)
    for var, val in zip(op.outputs, values):
        env[var] = val


def execute_block(block, env: Env):
    """Execute all ops of a block; return the values of its outputs."""
    for op in block.operations:
        execute_op(op, env)
    return [env[v] for v in block.outputs]


# ----------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------


def load_program(model):
    """Return a pymil Program for a path, an MLModel or a Program."""
    import coremltools as ct
    from coremltools.converters.mil.mil import Program

    if isinstance(model, Program):
        return model
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.exists(path):
            raise InterpreterError(f"model path {path!r} does not exist")
        model = ct.models.MLModel(path, skip_model_load=True)
    if isinstance(model, ct.models.MLModel):
        from coremltools.converters.mil.frontend.milproto.load import load

        spec = model.get_spec()
        if spec.WhichOneof("Type") != "mlProgram":
            raise InterpreterError(
                f"model is a {spec.WhichOneof('Type')!r} model; only mlprogram models are supported"
            )
        program = load(
            model_spec=spec,
            specification_version=spec.specificationVersion,
            file_weights_dir=model.weights_dir,
        )
        # A multifunction package (ct.utils.save_multifunction) names the
        # function Core ML runs by default; the loader does not keep it.
        if spec.description.defaultFunctionName:
            program.default_function_name = spec.description.defaultFunctionName
        return program
    raise InterpreterError(
        f"cannot interpret object of type {type(model).__name__}; expected a path, "
        "a coremltools MLModel or a pymil Program"
    )


def _prepare(name, var, value, kind):
    """Cast an input/state value to its declared dtype and check its shape."""
    from coremltools.converters.mil.mil import types

    dt = var_np_dtype(var)
    arr = np.asarray(value)
    if dt is not None and arr.dtype != dt:
        arr = arr.astype(dt)
    shape = tuple(var.shape)
    if len(shape) != arr.ndim or any(
        isinstance(d, (int, np.integer)) and int(d) != s for d, s in zip(shape, arr.shape)
    ):
        raise InterpreterError(
            f"{kind} {name!r} has shape {arr.shape}, but the program declares {shape} "
            f"({types.builtin_to_string(var.dtype)})"
        )
    return arr


class Interpreter:
    """A loaded MIL program that can be run repeatedly.

    States (``read_state`` / ``coreml_update_state``) are passed in the
    ``inputs`` dict under the state's name, like ordinary inputs. After the
    run, a NumPy array passed for a state with the state's exact dtype and
    shape is overwritten in place with the final state value (so calling
    ``run`` repeatedly with the same dict behaves like a Core ML ``MLState``);
    the final values of all states are also stored in ``state_out`` when a
    dict is given, and in ``self.last_states``.
    """

    def __init__(self, model, function_name: Optional[str] = None):
        from coremltools.converters.mil.mil import types

        self.program = load_program(model)
        if function_name is None:
            # "main", or a multifunction package's default function
            function_name = getattr(self.program, "default_function_name", None) or "main"
        if function_name not in self.program.functions:
            raise InterpreterError(
                f"program has no function {function_name!r} (has {list(self.program.functions)})"
            )
        self.function = self.program.functions[function_name]
        self.input_vars = {}
        self.state_vars = {}
        for name, var in self.function.inputs.items():
            if types.is_state(var.sym_type):
                self.state_vars[name] = var
            else:
                self.input_vars[name] = var
        self.output_names = [v.name for v in self.function.outputs]
        self.last_states: Dict[str, np.ndarray] = {}

    def run(self, inputs: Mapping[str, Any], state_out: Optional[dict] = None) -> Dict[str, np.ndarray]:
        """Run function main; return outputs by name in program order."""
        if not isinstance(inputs, Mapping):
            raise InterpreterError(f"inputs must be a dict of name -> array, got {type(inputs).__name__}")
        expected = list(self.input_vars) + list(self.state_vars)
        unknown = [k for k in inputs if k not in self.input_vars and k not in self.state_vars]
        if unknown:
            raise InterpreterError(f"unknown input name(s) {unknown}; the program expects {expected}")
        missing = [k for k in expected if k not in inputs]
        if missing:
            raise InterpreterError(f"missing input(s) {missing}; the program expects {expected}")
        env = Env(self)
        for name, var in self.input_vars.items():
            env[var] = _prepare(name, var, inputs[name], "input")
        for name, var in self.state_vars.items():
            env.states[name] = _prepare(name, var, inputs[name], "state").copy()
        execute_block(self.function, env)
        outputs = {v.name: env[v] for v in self.function.outputs}
        self.last_states = dict(env.states)
        for name, val in env.states.items():
            given = inputs[name]
            if isinstance(given, np.ndarray) and given.dtype == val.dtype and given.shape == val.shape:
                if given.flags.writeable:
                    np.copyto(given, val)
            if state_out is not None:
                state_out[name] = val
        return outputs


def run(
    model, inputs: Mapping[str, Any], state_out: Optional[dict] = None, function_name: Optional[str] = None
) -> Dict[str, np.ndarray]:
    """Load ``model`` and run its function ``function_name`` (default
    ``main``, or a multifunction package's default function) on ``inputs``.

    ``model`` is a path to an ``.mlpackage``, a ``coremltools.models.MLModel``
    or a pymil ``Program``. Returns ``{output name: array}`` in program output
    order. See :class:`Interpreter` for how states are passed and updated.
    """
    return Interpreter(model, function_name).run(inputs, state_out=state_out)
