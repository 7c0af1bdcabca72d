#!/usr/bin/env python
"""Differential fuzzer: random JAX programs compiled by hlo-coreml, run with
the reference interpreter and compared with JAX on CPU (docs/fuzzing.md).

    python tools/fuzz.py --seeds 0:200 --precision both --jobs 2 --minimize --report fuzz.json
"""

import sys

from hlo_coreml.fuzz.cli import main

if __name__ == "__main__":
    sys.exit(main())
