#!/usr/bin/env python3
"""Regenerate the op and pass tables in README.md from the code."""

import os
import sys

from hlo_coreml.docs import render

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def main() -> int:
    with open(README, encoding="utf-8") as f:
        old = f.read()
    new = render(old)
    if "--check" in sys.argv:
        if new != old:
            print("README.md tables are stale: run python tools/gen_docs.py", file=sys.stderr)
            return 1
        return 0
    with open(README, "w", encoding="utf-8") as f:
        f.write(new)
    print("README.md tables updated" if new != old else "README.md tables already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
