"""Small recurrent cells scanned with lax.scan: an Elman RNN and a GRU.

Shared by the loop tests (test/python/test_loops.py) and the scan compile-time
benchmark (tools/bench_scan.py). These are not registered zoo models (the
zoo's own GRU, `jax_models.gru`, has fused gates and biases and is
benchmarked at full size); they are the plain textbook cells, with the
initial hidden state as an argument:

    fn(h [batch, hidden], xs [steps, batch, features]) -> (h_last, hs)

Builders follow the zoo's convention `builder(size, seed, **over) -> (fn,
example args, config)`; `over` changes configuration entries (steps,
batch, features, hidden, scale: the weights' standard deviation). Weights
are seeded NumPy arrays closed over by `fn`, so they become constants of the
exported program.
"""

from __future__ import annotations

import numpy as np

SCAN_SIZES = {
    "small": dict(steps=16, batch=2, features=4, hidden=8, scale=0.3),
    "full": dict(steps=128, batch=1, features=16, hidden=32, scale=0.3),
}


def _config(size, over):
    return {**SCAN_SIZES[size], **over}


def _weights(rng, shapes, scale):
    return [(rng.normal(size=s) * scale).astype(np.float32) for s in shapes]


def _example_args(rng, cfg):
    h = rng.normal(size=(cfg["batch"], cfg["hidden"])).astype(np.float32)
    xs = rng.normal(size=(cfg["steps"], cfg["batch"], cfg["features"])).astype(np.float32)
    return h, xs


def rnn(size="small", seed=0, **over):
    """h <- tanh(h @ W + x @ U), scanned over the steps."""
    import jax.numpy as jnp
    from jax import lax

    cfg = _config(size, over)
    rng = np.random.default_rng(seed)
    hd, f = cfg["hidden"], cfg["features"]
    w, u = _weights(rng, [(hd, hd), (f, hd)], cfg["scale"])

    def fn(h, xs):
        def step(h, x):
            h = jnp.tanh(h @ w + x @ u)
            return h, h

        return lax.scan(step, h, xs)

    return fn, _example_args(rng, cfg), cfg


def gru(size="small", seed=0, **over):
    """The GRU cell (update gate z, reset gate r, candidate c; no biases),
    scanned over the steps."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    cfg = _config(size, over)
    rng = np.random.default_rng(seed)
    hd, f = cfg["hidden"], cfg["features"]
    wz, uz, wr, ur, wh, uh = _weights(rng, [(f, hd), (hd, hd)] * 3, cfg["scale"])

    def fn(h, xs):
        def step(h, x):
            z = jax.nn.sigmoid(x @ wz + h @ uz)
            r = jax.nn.sigmoid(x @ wr + h @ ur)
            c = jnp.tanh(x @ wh + (r * h) @ uh)
            h = (1 - z) * h + z * c
            return h, h

        return lax.scan(step, h, xs)

    return fn, _example_args(rng, cfg), cfg


CELLS = {"rnn": rnn, "gru": gru}
