"""Registry hygiene: every pass is named, documented and lit-tested the same
way, and every named pipeline resolves (StableHLO checks the same things
through TableGen and its generated docs; we check them here)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from hlo_coreml import pipeline as pipelines
from hlo_coreml._mlir import make_context
from hlo_coreml.passes import PASS_REGISTRY, ModulePass, register_pass

REPO = Path(__file__).resolve().parents[2]
LIT_PASSES = REPO / "test" / "lit" / "passes"
PREFIX = "hlo-coreml-"

PASSES = sorted(PASS_REGISTRY.items())
PASS_IDS = [name for name, _ in PASSES]


def snake_name(pass_name: str) -> str:
    """hlo-coreml-narrow-types -> narrow_types (the lit test's file name)."""
    return pass_name[len(PREFIX) :].replace("-", "_")


def test_registry_is_not_empty():
    assert {"hlo-coreml-narrow-types", "hlo-coreml-verify-legal", "hlo-coreml-inline-composites"} <= set(PASS_REGISTRY)


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_name(name, cls):
    assert name == cls.name, "registry key and the pass's own name differ"
    assert name.startswith(PREFIX), f"{name}: pass names start with {PREFIX!r}"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"{name}: pass names are kebab-case"
    assert issubclass(cls, ModulePass)


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_summary(name, cls):
    summary = cls.summary
    assert summary and summary.strip(), f"{name} has no summary"
    assert "\n" not in summary, f"{name}: the summary is one line (--list-passes prints it)"
    assert not summary.endswith("."), f"{name}: summaries have no trailing period (MLIR style)"


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_docstring(name, cls):
    doc = cls.__dict__.get("__doc__") or ""
    # @dataclass invents "ClassName(field=...)" when a class has no docstring.
    assert doc.strip() and not doc.startswith(f"{cls.__name__}("), f"{name} has no docstring"
    assert len(doc.split()) >= 10, f"{name}: the docstring should say what it rewrites and guarantees"


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_lit_test_exists_and_runs_the_pass(name, cls):
    path = LIT_PASSES / f"{snake_name(name)}.mlir"
    assert path.is_file(), f"{name} has no lit test at {path.relative_to(REPO)}"
    run_lines = [line for line in path.read_text().splitlines() if re.match(r"//\s*RUN:", line)]
    assert run_lines, f"{path.name} has no RUN line"
    assert any(name in line for line in run_lines), f"{path.name} never runs {name}"
    assert any("filecheck" in line or "--verify-diagnostics" in line for line in run_lines), (
        f"{path.name} checks nothing (no filecheck, no --verify-diagnostics)"
    )


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_options_have_defaults_and_textual_form(name, cls):
    """Every option has a default (the pass builds with no options) and can
    be set from the textual pipeline form {opt-name=value}."""
    assert dataclasses.is_dataclass(cls)
    assert isinstance(cls.from_options({}), cls)
    for field in cls.options():
        assert field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING, (
            f"{name}: option {field.name} has no default"
        )
        key = field.name.replace("_", "-")
        value = field.default
        text = str(value).lower() if isinstance(value, bool) else str(value)
        instance = cls.from_options({key: text})
        assert getattr(instance, field.name) == value


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_unknown_option_is_refused(name, cls):
    with pytest.raises(ValueError, match=f"pass '{re.escape(name)}' has no option 'no-such-option'"):
        cls.from_options({"no-such-option": "1"})


@pytest.mark.parametrize("name,cls", PASSES, ids=PASS_IDS)
def test_pass_builds_in_a_pass_manager(name, cls):
    with make_context():
        pipelines.build_pass_manager([name])


@pytest.mark.parametrize("name", sorted(pipelines.NAMED_PIPELINES))
def test_named_pipeline_resolves(name):
    """Every element of every named pipeline is one of our passes or a pass
    this jaxlib knows (a typo would otherwise only show at run time)."""
    summary, elements = pipelines.NAMED_PIPELINES[name]
    assert name.startswith(PREFIX) and summary
    with make_context():
        pipelines.build_pass_manager([name])
    for element in pipelines.expand(elements):
        bare = re.match(r"[A-Za-z0-9_.\-]+", element).group(0)
        if bare.startswith(PREFIX):
            assert bare in PASS_REGISTRY, f"{name} names an unknown pass {bare}"


def test_register_pass_refuses_bad_names_and_duplicates():
    @dataclasses.dataclass(frozen=True)
    class Unprefixed(ModulePass):
        """Not registrable: the name lacks the project prefix."""

        name = "narrow-types"

    with pytest.raises(ValueError, match="must start with 'hlo-coreml-'"):
        register_pass(Unprefixed)

    existing = PASS_REGISTRY["hlo-coreml-narrow-types"]

    @dataclasses.dataclass(frozen=True)
    class Duplicate(ModulePass):
        """Not registrable: the name is taken."""

        name = existing.name

    with pytest.raises(ValueError, match="registered twice"):
        register_pass(Duplicate)
    assert PASS_REGISTRY["hlo-coreml-narrow-types"] is existing


def test_every_package_is_installed():
    """A non-editable install copies only the packages pyproject lists: a
    new sub-package (a pass split into a package) must be listed there."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for name, folder in config["package-dir"].items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            parts = init.parent.relative_to(root).parts
            found.add(".".join((name, *parts)))
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - found == set(), "pyproject.toml lists packages that do not exist"
