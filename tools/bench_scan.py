#!/usr/bin/env python3
"""Compile time of lax.scan models against their step count.

    python tools/bench_scan.py                      # rnn and gru, 16..256 steps
    python tools/bench_scan.py --steps 32 128 --models gru --repeat 3

For each model and step count, the scan is exported with jax.export and
compiled with hlo_coreml at fp32, once unrolled (the default max_unroll) and
once kept as a MIL while_loop (max_unroll=0). The table splits the time into
our MLIR legalization, building the MIL program, and coremltools' own
`ct.convert` (its MIL pass pipeline and serialization), and gives the number
of MIL ops handed to coremltools. Times are the best of --repeat runs.

This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np  # noqa: E402


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _models(hidden: int, features: int):
    """name -> fn(h, xs) of the scanned cells in examples/zoo/scan_cells.py."""
    sys.path.insert(0, REPO)
    from examples.zoo.scan_cells import CELLS

    return {name: build("full", 0, hidden=hidden, features=features)[0] for name, build in CELLS.items()}


def _count_ops(block) -> int:
    n = 0
    for op in block.operations:
        n += 1
        for inner in op.blocks:
            n += _count_ops(inner)
    return n


def measure(fn, steps: int, hidden: int, features: int, max_unroll: int | None):
    """(legalize s, emit s, ct.convert s, MIL ops) for one compile."""
    import jax

    from hlo_coreml._mlir import ir
    from hlo_coreml.compiler import convert_program, legalize
    from hlo_coreml.coreml import resolve_precision, resolve_target
    from hlo_coreml.emit.program import build_program, find_main, interface_of

    args = (np.zeros((1, hidden), np.float32), np.zeros((steps, 1, features), np.float32))
    exported = jax.export.export(jax.jit(fn))(*args)
    target = resolve_target(None)
    t0 = time.perf_counter()
    context, module, _ = legalize(exported, max_unroll=max_unroll)
    t1 = time.perf_counter()
    with context, ir.Location.unknown():
        program, _ = build_program(module, target, interface_of(find_main(module)))
    t2 = time.perf_counter()
    ops = _count_ops(program.functions["main"])
    convert_program(program, target, resolve_precision("fp32"))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, ops


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    parser.add_argument("--models", nargs="+", default=["rnn", "gru"], choices=["rnn", "gru"])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args(argv)

    import jax  # noqa: F401  (import cost outside the timings)

    from hlo_coreml.coreml import coremltools

    coremltools()
    models = _models(args.hidden, args.features)
    measure(models["rnn"], 2, args.hidden, args.features, None)  # warm-up
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"hidden={args.hidden} features={args.features} batch=1, fp32, best of {args.repeat}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start\n")
    print("| model | steps | form | MIL ops | legalize (s) | build MIL (s) | ct.convert (s) | total (s) |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for name in args.models:
        for steps in args.steps:
            for form, max_unroll in (("unrolled", max(steps, 256)), ("while_loop", 0)):
                best = None
                for _ in range(args.repeat):
                    result = measure(models[name], steps, args.hidden, args.features, max_unroll)
                    if best is None or sum(result[:3]) < sum(best[:3]):
                        best = result
                legal, emit, convert, ops = best
                print(
                    f"| {name} | {steps} | {form} | {ops} | {legal:.2f} | {emit:.2f} | {convert:.2f} | "
                    f"{legal + emit + convert:.2f} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
