"""Constants, identity, control flow (cond, while_loop) and state ops."""

import numpy as np

from .core import InterpreterError, arg, const_value, register


@register("const")
def const(op, env):
    """The op's constant value."""
    return const_value(op.outputs[0])


@register("identity")
def identity(op, env):
    """Return x unchanged."""
    return arg(op, env, "x")


@register("cond")
def cond(op, env):
    """Run the true block (blocks[0]) if pred else the false block (blocks[1])."""
    pred = bool(np.asarray(arg(op, env, "pred")).reshape(-1)[0])
    outs = env.run_block(op.blocks[0] if pred else op.blocks[1])
    return tuple(outs)


@register("while_loop")
def while_loop(op, env):
    """Repeat body (blocks[1]) while cond (blocks[0]) is true; return the loop vars."""
    vals = list(arg(op, env, "loop_vars"))
    cond_block, body_block = op.blocks
    while True:
        c = env.run_block(cond_block, vals)
        if not bool(np.asarray(c[0]).reshape(-1)[0]):
            break
        new = env.run_block(body_block, vals)
        vals = [np.asarray(n).astype(np.asarray(o).dtype, copy=False) for n, o in zip(new, vals)]
    return tuple(vals)


def _state_name(op, name):
    var = op.inputs[name]
    return var.name


@register("read_state")
def read_state(op, env):
    """Current value of the state input."""
    name = _state_name(op, "input")
    if name not in env.states:
        raise InterpreterError(f"read_state {op.name!r}: no value for state {name!r}")
    return env.states[name].copy()


@register("coreml_update_state")
def coreml_update_state(op, env):
    """Write value into the state; return value."""
    name = _state_name(op, "state")
    value = np.asarray(arg(op, env, "value"))
    old = env.states.get(name)
    if old is not None:
        value = value.astype(old.dtype, copy=False)
    env.states[name] = value.copy()
    return value
