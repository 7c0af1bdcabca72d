"""The README's generated tables match the code."""

import os

from hlo_coreml.docs import render

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_tables_are_current():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert render(readme) == readme, "README tables are stale: run python tools/gen_docs.py"
