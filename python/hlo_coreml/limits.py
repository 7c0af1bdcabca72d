"""Size limits for values computed at compile time (docs/errors.md,
"Resource limits").

A compile never materializes a value larger than MAX_ELEMENTS elements or
MAX_BYTES bytes that the program does not already hold as data: an iota, a
splat constant expanded to its full shape, or an op on constants that
would be folded into a new constant. Such values are computed by the model
at run time instead (`range_1d`, `tile`, the op itself), or, where Core ML
cannot express them, refused with a located message. Dense constants the
program carries (weights) are not limited: they are already in memory.
"""

from __future__ import annotations

import math

MAX_ELEMENTS = 64 * 2**20  # 67,108,864
MAX_BYTES = 256 * 2**20  # 256 MB


def too_large(shape, itemsize: int = 4) -> bool:
    """True if a value of `shape` (static dims) with `itemsize`-byte
    elements is past either limit."""
    n = math.prod(int(d) for d in shape)
    return n > MAX_ELEMENTS or n * itemsize > MAX_BYTES


def describe(shape) -> str:
    n = math.prod(int(d) for d in shape)
    return f"{n:,} elements"
