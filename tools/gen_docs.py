#!/usr/bin/env python3
"""Regenerate the generated blocks (op table, pass table, pipeline, dynamic-shape
ops) in README.md and docs/*.md from the code. `--check` only reports staleness."""

import os
import sys

from hlo_coreml.docs import render_all

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main() -> int:
    stale = [rel for rel, (old, new) in render_all(ROOT).items() if new != old]
    if "--check" in sys.argv:
        for rel in stale:
            print(f"{rel}: generated blocks are stale: run python tools/gen_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for rel, (old, new) in render_all(ROOT).items():
        if new != old:
            with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
                f.write(new)
    print("updated: " + ", ".join(stale) if stale else "generated blocks already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
