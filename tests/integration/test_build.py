"""The install compiles the compliance engine's history reading when it can, and goes on
without it when there is no C compiler."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def _build(tree: Path, compiler: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CC=compiler)
    return subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=600)


def test_without_a_c_compiler_the_build_goes_on_and_the_engine_works(tmp_path: Path) -> None:
    if not (shutil.which(os.environ.get("CC", "cc")) or IN_CI):
        pytest.skip("no C compiler to compare with (outside CI)")
    tree = tmp_path / "arrears"
    tree.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree)
    shutil.copytree(ROOT / "src", tree / "src",
                    ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    built = _build(tree, "/bin/false")
    assert built.returncode == 0, built.stderr
    assert "is not compiled" in built.stderr
    package = tree / "src" / "arrears" / "domain" / "compliance"
    assert not list(package.glob("_history*.so"))
    check = ("from arrears.domain.compliance import evaluate_scenario, parse, engine\n"
             "assert parse._compiled_events is None and engine._compiled_tally is None\n"
             "answer = evaluate_scenario('cn', {'id': 1, 'attempt': {'at': "
             "'2026-11-28T22:30:00+08:00', 'channel': 'call', 'contact_value': "
             "'+8613812345678'}, 'customer': {}, 'history': []})\n"
             "print(answer['decision'], answer['rules'])\n")
    ran = subprocess.run([sys.executable, "-c", check], env=dict(
        os.environ, PYTHONPATH=str(tree / "src")), capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["block", "['cn.quiet_hours']"]
    compiled = _build(tree, os.environ.get("CC", "cc"))
    assert compiled.returncode == 0, compiled.stderr
    assert list(package.glob("_history*.so"))
