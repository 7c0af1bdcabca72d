"""Differential fuzzer: random, seeded JAX programs (generator), compiled and
compared with JAX on CPU (runner, pool), failures minimized (minimize).
Entry point: tools/fuzz.py (cli.main); see docs/fuzzing.md."""
