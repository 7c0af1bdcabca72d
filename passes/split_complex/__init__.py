"""hlo-coreml-split-complex: complex tensors become (real, imaginary) pairs
of real tensors, constants, arguments and results included.

The package, by pattern:

- this module: the pass and its option;
- walker.py: the walk over one function (value pairs, checks, the split
  signature);
- handlers.py: the registry of per-op lowerings;
- data_movement.py: constants, complex / real / imag, ops that act on each
  part alike (reshape, slice, gather, select, ...), convert, return;
- elementwise.py: arithmetic and complex functions, compare, iota, the
  composites evaluated here;
- contractions.py: dot_general / convolution, reduce, scatter, fft;
- complex_math.py, fft.py, constants.py: the real arithmetic of complex
  functions, the DFT as matmuls, reading complex constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir

from ..registry import ModulePass, register_pass, walk_functions
from . import contractions, data_movement, elementwise  # noqa: F401  (handler registration)
from .elementwise import COMPLEX_COMPOSITES
from .handlers import HANDLERS
from .walker import COMPLEX_PART_ATTR, SOURCE_INDEX_ATTR, _Splitter, involves_complex, part_type

_ATAN2_MODES = ("auto", "expand", "keep")


@register_pass
@dataclass(frozen=True)
class SplitComplexPass(ModulePass):
    """Replaces every value of type `tensor<...xcomplex<T>>` by two values of
    type `tensor<...xT>`, its real and imaginary parts, walking each
    function's body in order.

    ```mlir
    func.func @main(%z: tensor<4xcomplex<f32>> loc("z"), %x: tensor<4xf32> loc("x"))
        -> tensor<4xcomplex<f32>> {
      %xc = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xcomplex<f32>>
      %0 = stablehlo.multiply %z, %xc : tensor<4xcomplex<f32>>
      return %0 : tensor<4xcomplex<f32>>
    }
    ==>
    func.func @main(%re: tensor<4xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 0 : i64},
                    %im: tensor<4xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 0 : i64},
                    %x: tensor<4xf32> {hlo_coreml.source_index = 1 : i64})
        -> (tensor<4xf32> {...real...}, tensor<4xf32> {...imag...}) {
      %0 = stablehlo.multiply %re, %x : tensor<4xf32>
      %1 = stablehlo.multiply %im, %x : tensor<4xf32>
      return %0, %1 : tensor<4xf32>, tensor<4xf32>
    }
    ```

    - Constants are split at compile time into two real constants (an
      all-zero imaginary part is not materialized: it is tracked as "zero"
      and skips work downstream, e.g. for real inputs of an FFT).
    - A complex argument `x` becomes two arguments (real, imaginary) in its
      place, named `x_real` / `x_imag` by `interface_of`; complex results
      likewise. A function with no complex argument or result keeps its
      signature untouched.
    - Ops: complex, real, imag, add, subtract, multiply, divide, negate,
      abs, exponential, exponential_minus_one, log, log_plus_one, sqrt,
      rsqrt, sign, power, sine, cosine, tan, tanh, logistic, the composites
      chlo.sinh and chlo.cosh, atan2 (the
      complex one, -i log((x + iy) / sqrt(x^2 + y^2))), iota (imaginary part
      zero), compare (EQ/NE), select,
      convert, dot_general, convolution, reduce (sum, product), reshape,
      transpose, broadcast_in_dim, slice, dynamic_slice, dynamic_update_slice,
      concatenate, pad, reverse, gather, scatter (set and add: one scatter
      per part), optimization_barrier, and fft
      (FFT, IFFT, RFFT, IRFFT over 1 to 3 trailing dims) as real DFT
      matmuls (see split_complex/fft.py). Ops nested in the regions of real
      ops (loop bodies) are split too.
    - `atan2` (for log, power, and `angle` = atan2(imag z, real z)): with
      `atan2=auto` (default) a `stablehlo.atan2` when the emitter has one,
      else a polynomial expansion in supported ops; `expand` / `keep` force
      either.

    Afterwards no value, argument or result of a function has a complex
    type, and `real` / `imag` of a real tensor have become the tensor /
    zeros. Every op with a complex operand or result that it cannot split is
    reported (all of them, at their locations) and the module is left
    unchanged. complex<f64> yields f64 parts (hlo-coreml-narrow-types,
    which runs first, already narrows complex<f64> to complex<f32>).
    """

    name: ClassVar[str] = "hlo-coreml-split-complex"
    summary: ClassVar[str] = "Complex tensors -> (real, imag) pairs, incl. constants, args, results, FFT"

    atan2: str = "auto"

    def __post_init__(self):
        if self.atan2 not in _ATAN2_MODES:
            raise ValueError(
                f"pass '{self.name}': option 'atan2' expects one of {', '.join(_ATAN2_MODES)}, got '{self.atan2}'"
            )

    def expand_atan2(self) -> bool:
        if self.atan2 == "auto":
            from hlo_coreml.emit.registry import emitter_table

            return "stablehlo.atan2" not in emitter_table()
        return self.atan2 == "expand"

    def run(self, module, pass_) -> None:
        functions = [f for f in walk_functions(module) if len(f.regions[0].blocks) > 0]
        expand = self.expand_atan2()
        splitters = [_Splitter(f, expand) for f in functions]
        problems = sum(s.check() for s in splitters)
        if problems:
            pass_.signal_pass_failure()
            return
        for s in splitters:
            if not s.run():
                pass_.signal_pass_failure()
                return
        _drop_unused_decompositions(module, set().union(*(s.decompositions for s in splitters)))


def _drop_unused_decompositions(module, names: set[str]) -> None:
    """Erase the decomposition functions of composites split here that no
    composite or call refers to any more."""
    if not names:
        return
    used: set[str] = set()

    def collect(op):
        for key in ("decomposition", "callee"):
            if key in op.attributes:
                used.add(ir.FlatSymbolRefAttr(op.attributes[key]).value)
        return ir.WalkResult.ADVANCE

    module.operation.walk(collect)
    for f in list(walk_functions(module)):
        if ir.StringAttr(f.attributes["sym_name"]).value in names - used:
            f.operation.erase()


__all__ = [
    "COMPLEX_COMPOSITES",
    "COMPLEX_PART_ATTR",
    "HANDLERS",
    "SOURCE_INDEX_ATTR",
    "SplitComplexPass",
    "involves_complex",
    "part_type",
]
