"""Every `python`, `sh` and `console` block in README.md and docs/ runs as shown.

The blocks of one Markdown file run in order, in one scratch folder holding a
copy of the repository's `examples/` and `tools/` (so a later block can use what an earlier
one wrote). A `console` block is `$ command` lines, each followed by the output
the command must print. Not run: the set-up commands (CI runs those) and a
block right after a `<!-- not run: reason -->` comment, which must give its
reason; and a page whose snippets are fragments of a script another test
runs, which says so with `<!-- snippets tested by: test/python/<file>.py -->`
(that file must exist). `text` blocks (usage synopses, printed output) are
not commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_LANGS = ("python", "sh", "console")
BLOCK = re.compile(r"(<!-- not run: (?P<reason>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)
SETUP = re.compile(r"<!-- BEGIN setup-commands -->.*?<!-- END setup-commands -->", re.S)
TESTED_BY = re.compile(r"<!-- snippets tested by: (\S+) -->")


def markdown_files() -> list[str]:
    files = ["README.md"]
    for dirpath, _, names in sorted(os.walk(os.path.join(ROOT, "docs"))):
        files += [os.path.relpath(os.path.join(dirpath, n), ROOT) for n in sorted(names) if n.endswith(".md")]
    return files


def snippets(rel: str) -> list[tuple[str, str]]:
    """[(lang, body)] of the blocks of `rel` that run, in order."""
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        text = SETUP.sub("", f.read())
    twin = TESTED_BY.search(text)
    if twin:
        assert os.path.isfile(os.path.join(ROOT, twin.group(1))), f"{rel}: {twin.group(1)} does not exist"
        return []
    out = []
    for m in BLOCK.finditer(text):
        if m.group("lang") not in RUN_LANGS:
            continue
        if m.group(1) is not None:
            assert m.group("reason").strip(), f"{rel}: a `not run` block must say why"
            continue
        out.append((m.group("lang"), m.group("body")))
    return out


def _run(command: list[str], cwd: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, JAX_PLATFORMS="cpu", TQDM_DISABLE="1")
    # `python`, `hlo-coreml` and `hlo-coreml-opt` from the environment running the tests.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _console(body: str) -> list[tuple[str, str]]:
    """[(command, expected output)] of a console block."""
    pairs = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, "a console block starts with a `$ command` line"
            pairs[-1][1].append(line)
    return [(cmd, "\n".join(lines)) for cmd, lines in pairs]


FILES = [rel for rel in markdown_files() if snippets(rel)]


def test_the_docs_have_runnable_snippets():
    assert "README.md" in FILES and "docs/usage.md" in FILES


@pytest.mark.parametrize("rel", FILES)
def test_snippets_run_as_shown(rel, tmp_path):
    for folder in ("examples", "tools"):
        shutil.copytree(os.path.join(ROOT, folder), tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for i, (lang, body) in enumerate(snippets(rel)):
        where = f"{rel}, block {i + 1} ({lang})"
        if lang == "python":
            script = tmp_path / f"snippet_{i}.py"
            script.write_text(body)
            done = _run([sys.executable, str(script)], str(tmp_path))
            assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
        elif lang == "sh":
            done = _run(["bash", "-euo", "pipefail", "-c", body], str(tmp_path))
            assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
        else:
            for command, expected in _console(body):
                done = _run(["bash", "-euo", "pipefail", "-c", command], str(tmp_path))
                assert done.returncode == 0, f"{where}: `{command}` failed:\n{done.stderr}"
                got = "\n".join(line.rstrip() for line in done.stdout.rstrip("\n").splitlines())
                assert got == expected.rstrip("\n"), f"{where}: `{command}` printed\n{got}\nnot\n{expected}"
