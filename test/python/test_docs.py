"""The generated documentation blocks match the code, and the docs link only
inside the repository."""

import os
import re

import pytest

from hlo_coreml.docs import DOC_FILES, render_all

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("rel", DOC_FILES)
def test_generated_blocks_are_current(rel):
    old, new = render_all(ROOT)[rel]
    assert new == old, f"{rel}: generated blocks are stale: run python tools/gen_docs.py"


def _markdown_files():
    files = ["README.md"]
    for dirpath, _, names in os.walk(os.path.join(ROOT, "docs")):
        files += [os.path.relpath(os.path.join(dirpath, n), ROOT) for n in sorted(names) if n.endswith(".md")]
    return files


@pytest.mark.parametrize("rel", _markdown_files())
def test_links_stay_inside_the_repository(rel):
    """Every Markdown link or image points at a file that exists in the
    repository (an http(s) link is allowed only to a package registry page)."""
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold no links
    bad = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith("#"):
            continue
        if re.match(r"https?://", target):
            bad.append(target)
            continue
        path = os.path.normpath(os.path.join(ROOT, os.path.dirname(rel), target.split("#")[0]))
        if not path.startswith(ROOT + os.sep) or not os.path.exists(path):
            bad.append(target)
    assert not bad, f"{rel} links outside the repository or to missing files: {bad}"
