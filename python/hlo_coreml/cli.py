"""hlo-coreml: the user-facing command line (compile, run)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .diagnostics import CompileError

_EPILOG = """\
examples:
  hlo-coreml compile model.mlir -o model.mlpackage
  hlo-coreml compile exported.bin -o model.mlpackage --target iOS18 --precision fp32
  hlo-coreml compile batched.bin -o model.mlpackage --input-range x=1:64x16
  hlo-coreml run model.mlpackage --input x=x.npy --input y=y.npy -o outputs.npz
  hlo-coreml run llm.mlpackage --function decode --state kv.npz -i tokens=t.npy -i pos=p.npy
  hlo-coreml inspect model.mlpackage [--json]

Inputs to `compile` may be StableHLO text (.mlir), MLIR bytecode or a StableHLO
portable artifact (.mlirbc), or a serialized jax.export artifact
(`jax.export.export(jax.jit(f))(*args).serialize()` written to a file).
`run` executes the model with hlo-coreml's NumPy reference interpreter, which
works on Linux where Core ML itself does not run.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hlo-coreml",
        description="Compile StableHLO (from JAX, Flax, Equinox, ...) to Core ML ML programs.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("compile", help="compile StableHLO to an .mlpackage", description="Compile StableHLO to an .mlpackage.")
    c.add_argument("input", help="StableHLO: .mlir text, .mlirbc bytecode, or a serialized jax.export artifact")
    c.add_argument("-o", "--output", required=True, help="output path, ending in .mlpackage")
    c.add_argument("--target", default=None, help="minimum deployment target, e.g. iOS15 ... iOS18, macOS14 (default iOS17)")
    c.add_argument(
        "--precision",
        choices=["fp16", "fp32", "fp16-all"],
        default="fp16",
        help="compute precision: fp16 (default; overflow-prone ops such as long sums, norm statistics and "
        "unbounded exp stay fp32), fp16-all (every op fp16) or fp32",
    )
    c.add_argument(
        "--max-unroll",
        type=int,
        default=None,
        metavar="N",
        help="unroll loops with a static trip count up to N (default 256); others become a Core ML while_loop",
    )
    c.add_argument(
        "--no-raise-fused-ops",
        action="store_true",
        help="do not raise softmax, norms, GELU, attention, ... to Core ML's fused ops (debugging, numerics)",
    )
    c.add_argument("--input-names", default=None, help="comma-separated input names, in argument order")
    c.add_argument("--output-names", default=None, help="comma-separated output names, in result order")
    c.add_argument(
        "--specialize",
        action="append",
        default=[],
        metavar="NAME=SHAPE",
        help="give a symbolic-shape input a static shape, e.g. x=4x8 (repeat for each input)",
    )
    c.add_argument(
        "--input-range",
        action="append",
        default=[],
        metavar="NAME=SHAPE",
        help="keep the symbolic dims of an input flexible (ct.RangeDim): dims separated by x, each a size or "
        "LOW:HIGH[:DEFAULT], e.g. x=1:64x16 (repeat for each input)",
    )
    c.add_argument(
        "--input-shapes",
        action="append",
        default=[],
        metavar="NAME=SHAPE,SHAPE,...",
        help="enumerate the shapes an input with symbolic dims takes (ct.EnumeratedShapes; the first is the "
        "default), e.g. x=1x16,4x16,8x16",
    )
    c.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="INPUT=OUTPUT",
        help="make INPUT a Core ML state updated by OUTPUT (iOS18+, fp16; repeat for each state)",
    )
    c.add_argument("--author", default=None, help="model metadata: author")
    c.add_argument("--model-version", default=None, help="model metadata: version")
    c.add_argument("--description", default=None, help="model metadata: short description")
    c.add_argument("--license", default=None, help="model metadata: license")

    r = sub.add_parser("run", help="run an .mlpackage with the reference interpreter", description="Run a model with the NumPy reference MIL interpreter.")
    r.add_argument("model", help="path to an .mlpackage")
    r.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="NAME=FILE.npy",
        help="an input array (repeat for each input)",
    )
    r.add_argument("-o", "--output", default=None, help="save all outputs to this .npz file instead of printing them")
    r.add_argument(
        "--strict",
        action="store_true",
        help="fail if an output depends on behaviour the Core ML op documentation leaves open (sign of mod, "
        "order of equal keys, round ties, pooling padding, out-of-range indices); see docs/semantics.md",
    )
    r.add_argument("--function", default=None, help="the function of a multifunction package to run (default: its default)")
    r.add_argument(
        "--state",
        default=None,
        metavar="STATE.npz",
        help="read the model's states from this .npz (zeros if it does not exist yet) and write them back "
        "after the run, so successive runs carry the state as an app does",
    )
    i = sub.add_parser(
        "inspect",
        help="describe an .mlpackage: interface, ops, precision, rank, Neural Engine notes",
        description="Describe an .mlpackage (reads the spec only; works on Linux).",
    )
    i.add_argument("model", help="path to an .mlpackage")
    i.add_argument("--json", action="store_true", help="print JSON instead of text")
    i.add_argument("--function", default=None, help="the function of a multifunction package to describe (default: its default)")
    return parser


def _inspect(args) -> int:
    from .inspect_model import format_json, format_text, inspect

    if not os.path.isdir(args.model):
        raise CompileError(f"{args.model}: not an .mlpackage directory")
    try:
        report = inspect(args.model, args.function)
    except Exception as e:  # noqa: BLE001 - a damaged or foreign package
        raise CompileError(f"{args.model}: cannot read the model: {e}") from None
    print(format_json(report) if args.json else format_text(report))
    return 0


def _split_names(text):
    return [n.strip() for n in text.split(",")] if text else None


def _pairs(items, flag):
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise CompileError(f"{flag} expects NAME=VALUE, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def _shapes(items):
    out = {}
    for key, value in _pairs(items, "--specialize").items():
        try:
            out[int(key) if key.isdigit() else key] = tuple(int(d) for d in value.lower().split("x"))
        except ValueError:
            raise CompileError(f"--specialize expects NAME=DxDx..., got '{key}={value}'") from None
    return out


def _range_shapes(items):
    """--input-range NAME=1:64x16 -> {name: (ct.RangeDim(1, 64), 16)}."""
    from .coreml import coremltools

    ct = coremltools()
    out = {}
    for key, value in _pairs(items, "--input-range").items():
        dims = []
        try:
            for part in value.lower().split("x"):
                bounds = [int(b) for b in part.split(":")]
                if len(bounds) == 1:
                    dims.append(bounds[0])
                elif len(bounds) in (2, 3):
                    default = bounds[2] if len(bounds) == 3 else bounds[0]
                    if not 1 <= bounds[0] <= default <= bounds[1]:
                        raise ValueError
                    dims.append(ct.RangeDim(lower_bound=bounds[0], upper_bound=bounds[1], default=default))
                else:
                    raise ValueError
        except ValueError:
            raise CompileError(
                f"--input-range expects NAME=DIMxDIMx..., each DIM a size or LOW:HIGH[:DEFAULT] with "
                f"1 <= LOW <= DEFAULT <= HIGH, got '{key}={value}'"
            ) from None
        out[int(key) if key.isdigit() else key] = tuple(dims)
    return out


def _enumerated_shapes(items):
    """--input-shapes NAME=1x16,4x16 -> {name: ct.EnumeratedShapes(...)}."""
    from .coreml import coremltools

    ct = coremltools()
    out = {}
    for key, value in _pairs(items, "--input-shapes").items():
        try:
            shapes = [tuple(int(d) for d in s.lower().split("x")) for s in value.split(",")]
        except ValueError:
            raise CompileError(f"--input-shapes expects NAME=DxD,DxD,..., got '{key}={value}'") from None
        if len(shapes) < 2 or len({len(s) for s in shapes}) != 1:
            raise CompileError(f"--input-shapes needs two or more shapes of one rank, got '{key}={value}'")
        out[int(key) if key.isdigit() else key] = ct.EnumeratedShapes(shapes=shapes, default=shapes[0])
    return out


def _compile(args) -> int:
    from .compiler import compile as compile_model

    if not os.path.exists(args.input):
        raise CompileError(f"{args.input}: no such file")
    model = compile_model(
        args.input,
        minimum_deployment_target=args.target,
        compute_precision=args.precision,
        output_path=args.output,
        inputs=_split_names(args.input_names),
        outputs=_split_names(args.output_names),
        max_unroll=args.max_unroll,
        raise_fused_ops=not args.no_raise_fused_ops,
        specialize=_shapes(args.specialize) or None,
        flexible={**_range_shapes(args.input_range), **_enumerated_shapes(args.input_shapes)} or None,
        states=_pairs(args.state, "--state") or None,
        author=args.author,
        version=args.model_version,
        short_description=args.description,
        license=args.license,
    )
    print(f"wrote {args.output}")
    iface = model.hlo_coreml_interface
    for title, specs in (("inputs", iface.inputs), ("outputs", iface.outputs)):
        print(f"  {title}:")
        for spec in specs:
            if spec.state is not None:
                print(f"    {spec.name}: shape {spec.shape_text()} {spec.io_dtype} (state '{spec.state}')")
            elif spec.original_shape is not None:
                print(
                    f"    {spec.name}: shape {spec.shape_text()} {spec.io_dtype} "
                    f"(the program's {list(spec.original_shape)}, leading dims merged)"
                )
            else:
                print(f"    {spec.name}: shape {spec.shape_text()} {spec.io_dtype}")
    return 0


def _load_inputs(pairs):
    import numpy as np

    feeds = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name:
            raise CompileError(f"--input expects NAME=FILE.npy, got '{pair}'")
        try:
            feeds[name] = np.load(path)
        except (OSError, ValueError) as e:
            raise CompileError(f"cannot read input '{name}' from {path}: {e}") from None
    return feeds


def _read_state(path, zeros):
    """The states saved by an earlier `run --state` (zeros at first)."""
    import numpy as np

    if not os.path.exists(path):
        return zeros
    try:
        with np.load(path) as saved:
            state = {name: saved[name] for name in saved.files}
    except (OSError, ValueError) as e:
        raise CompileError(f"cannot read states from {path}: {e}") from None
    if sorted(state) != sorted(zeros):
        raise CompileError(f"{path} holds states {sorted(state)}, the model has {sorted(zeros)}")
    return state


def _run(args) -> int:
    import numpy as np

    from .coreml import coremltools

    coremltools()  # quiet import before the interpreter pulls it in
    from .interpreter import InterpreterError
    from .run_model import run

    if not os.path.isdir(args.model):
        raise CompileError(f"{args.model}: not an .mlpackage directory")
    output = _check_npz_output(args.output) if args.output else None
    from .run_model import make_state

    try:
        state = _read_state(args.state, make_state(args.model, args.function)) if args.state else None
        outputs = run(args.model, _load_inputs(args.input), function_name=args.function, state=state, strict=args.strict)
        if args.state:
            np.savez(args.state, **state)
    except InterpreterError as e:
        raise CompileError(str(e)) from None
    if output:
        _save_npz(output, outputs)
        print(f"wrote {args.output}")
    else:
        with np.printoptions(threshold=50, edgeitems=3):
            for name, value in outputs.items():
                print(f"{name}: shape={tuple(value.shape)} dtype={value.dtype}")
                print(value)
    return 0


def _check_npz_output(path: str) -> str:
    """`run -o`: an .npz path in an existing folder; an existing file there is
    replaced only if it is an .npz archive (a zip file)."""
    if not path.endswith(".npz"):
        raise CompileError(f"-o {path}: the outputs are saved as an .npz archive; give a path ending in .npz")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CompileError(f"-o {path}: the folder {parent} does not exist")
    if os.path.lexists(path):
        is_zip = False
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as f:
                is_zip = f.read(4) == b"PK\x03\x04"
        if not is_zip:
            raise CompileError(f"-o {path}: exists and is not an .npz archive; refusing to replace it")
    return path


def _save_npz(path: str, outputs) -> None:
    """Write to a temporary sibling, then rename: a failure leaves nothing."""
    import tempfile

    import numpy as np

    fd, tmp = tempfile.mkstemp(prefix=".hlo-coreml-run-", suffix=".npz", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **outputs)
        os.replace(tmp, path)
    except OSError as e:
        raise CompileError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv: list[str] | None = None) -> int:
    """The `hlo-coreml` command. Called with `argv` None (the console
    script: the process is ours alone), coremltools is imported without
    PyTorch (see coreml.import_coremltools_without_torch)."""
    if argv is None:
        from .coreml import import_coremltools_without_torch

        import_coremltools_without_torch()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    try:
        return {"compile": _compile, "run": _run, "inspect": _inspect}[args.command](args)
    except CompileError as e:
        for line in str(e).splitlines():
            print(line if ": error:" in line or ": note:" in line else f"error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - an internal bug: say so, briefly
        if os.environ.get("HLO_COREML_DEBUG"):
            traceback.print_exc()
        print(
            f"internal error: {type(e).__name__}: {e}\n"
            "This is a bug in hlo-coreml; set HLO_COREML_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
