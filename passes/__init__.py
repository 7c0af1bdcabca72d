"""hlo-coreml's MLIR passes, one module each, registered in PASS_REGISTRY."""

from . import dot_general_to_matmul, inline_calls, inline_composites, narrow_types, verify_legal  # noqa: F401  (registration)
from . import cap_rank, fold_dynamic_slices, unroll_while  # noqa: F401  (registration; loops, rank)
from . import split_complex  # noqa: F401  (registration; complex -> real pairs)
from . import raise_complex_expansions  # noqa: F401  (registration; complex<f64> log1p expansion -> the op)
from . import remove_tuples  # noqa: F401  (registration; tuples, barriers, shape assertions)
from . import widen_small_ints  # noqa: F401  (registration; i8/i16/ui8/ui16/ui32 -> i32)
from . import legalize_gather_scatter  # noqa: F401  (registration; gather/scatter/dynamic slices)
from . import decompose_reduce_window, legalize_reduce_window  # noqa: F401  (registration; windows)
from . import legalize_sort  # noqa: F401  (registration; sort comparators)
from . import raise_fused_ops  # noqa: F401  (registration; coreml.* fused-op composites)
from . import widen_bf16  # noqa: F401  (registration; bf16 -> f32)
from . import drop_empty_tensors  # noqa: F401  (registration; zero-element tensors)
from . import decompose_linalg  # noqa: F401  (registration; cholesky, triangular_solve)
from . import decompose_select_and_scatter, expand_reduce_precision, inline_map  # noqa: F401  (registration)
from . import legalize_int_conv  # noqa: F401  (registration; integer convolution as exact f32)
from . import fold_dequantize  # noqa: F401  (registration; int4/int8 weights * scale -> hlo_coreml.dequantize)
from . import fold_kv_repeat  # noqa: F401  (registration; GQA without materialized K/V repeats)
from .registry import PASS_REGISTRY, ModulePass, register_pass

__all__ = ["PASS_REGISTRY", "ModulePass", "register_pass"]
