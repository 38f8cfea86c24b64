"""pyproject.toml, environment.yml and the runtime's version table must describe the same environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml  # PyYAML comes with JupyterLab's dependencies
from packaging.requirements import Requirement

from dlcourse.runtime import SUPPORTED

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    return {r.name.lower(): r for r in reqs}


def _environment_requirements() -> dict[str, Requirement]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    reqs = [Requirement(line) for line in pip_section if not line.startswith("-")]
    return {r.name.lower(): r for r in reqs}


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject():
    pyproject, environment = _pyproject_requirements(), _environment_requirements()
    missing = sorted(set(pyproject) - set(environment))
    extra = sorted(set(environment) - set(pyproject))
    assert not missing, f"environment.yml lacks {missing}: add them with the ranges from pyproject.toml"
    assert not extra, f"environment.yml has {extra} that pyproject.toml does not: add them there or remove them"
    differing = {
        name: (str(pyproject[name].specifier), str(environment[name].specifier))
        for name in pyproject
        if pyproject[name].specifier != environment[name].specifier
    }
    assert not differing, f"ranges differ (pyproject, environment.yml): {differing}"


def test_environment_yml_python_matches_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    version = python.split("=", 1)[1]
    from packaging.specifiers import SpecifierSet

    assert version in SpecifierSet(requires), f"environment.yml pins python {version}, pyproject needs {requires}"


def test_runtime_supported_ranges_match_pyproject():
    pyproject = _pyproject_requirements()
    for package, (low, high) in SUPPORTED.items():
        if package == "python":
            spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
        else:
            spec = str(pyproject[package].specifier)
        bounds = dict(re.findall(r"(>=|<)([\d.]+)", spec))
        assert bounds == {">=": low, "<": high}, (
            f"dlcourse.runtime.SUPPORTED[{package!r}] is {low}..{high} but pyproject says {spec}"
        )
