"""The package's structure as rules that can fail: the direction of its imports
(``harness.architecture``), no private name of another library outside ``harness/_compat``,
and a ``harness --help`` that loads neither the web stack, pytest nor the fuzzers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest

from harness import architecture
from harness.cli import LAZY_COMMANDS, _load

ROOT = Path(__file__).resolve().parents[1]
#: Underscore names that are a library's public API (namedtuple's).
PUBLIC_UNDERSCORE = frozenset({"_replace", "_asdict", "_fields", "_make"})
#: What ``harness --help`` must not import.
HEAVY = ("uvicorn", "starlette", "pytest", "_pytest", "hypothesis", "schemathesis", "vcr")


def test_every_import_follows_the_map_and_none_makes_a_cycle() -> None:
    assert architecture.problems() == []


def test_every_module_belongs_to_a_part_of_the_map() -> None:
    for name in architecture.modules():
        architecture.part_of(name)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"client/x.py": "from harness.sandbox import app\n"}, "client may not depend on sandbox"),
        ({"suite/x.py": "from harness.sandbox.store import Store\n"}, "public names"),
        ({"suite/x.py": "from harness.contracts._schemas import validator\n"}, "private module"),
        ({"contracts/x.py": "def f():\n    from harness.client import Client\n"}, "may not"),
        (
            {"suite/a.py": "from . import b\n", "suite/b.py": "from . import a\n"},
            "import cycle: harness.suite.a -> harness.suite.b",
        ),
    ],
)
def test_the_map_catches_what_breaks_it(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    package = tmp_path / "harness"
    for folder in ("", "client", "suite", "sandbox", "contracts"):
        (package / folder).mkdir(exist_ok=True)
        (package / folder / "__init__.py").write_text("")
    for name in ("sandbox/app.py", "sandbox/store.py", "contracts/_schemas.py"):
        (package / name).write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    found = architecture.problems(architecture.modules(package))
    assert any(expected in problem for problem in found), found


def _ours() -> set[str]:
    """Every underscore name the package defines (attributes, functions, classes)."""
    names = set()
    for path in architecture.modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def test_no_module_names_a_private_attribute_of_another_library() -> None:
    ours = _ours()
    found = []
    for name, path in architecture.modules().items():
        if name.startswith("harness._compat"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                private = [a.name for a in node.names if a.name.startswith("_")]
                if not node.module.startswith("harness") and (
                    private or any(_private(p) for p in node.module.split("."))
                ):
                    found.append(f"{where}: from {node.module} import {private or '...'}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{where}: import {a.name}"
                    for a in node.names
                    if not a.name.startswith("harness")
                    and any(_private(p) for p in a.name.split("."))
                ]
            elif isinstance(node, ast.Attribute):
                attr = node.attr
                if (
                    attr.startswith("_")
                    and not attr.startswith("__")
                    and attr not in ours
                    and attr not in PUBLIC_UNDERSCORE
                ):
                    found.append(f"{where}: .{attr}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("_pytest")
            ):
                found.append(f"{where}: {node.value!r}")
    assert found == [], "private names of other libraries outside harness/_compat"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imported_by(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "harness" in modules, done.stderr[-500:]
    return modules


def test_harness_help_imports_no_web_stack_pytest_or_fuzzer() -> None:
    loaded = _imported_by("--help")
    assert {m for m in loaded if m.split(".")[0] in HEAVY} == set()
    assert "harness.bench" not in loaded


def test_a_command_is_loaded_only_when_it_runs() -> None:
    assert "harness.bench.suite" in _imported_by("bench", "--help")


@pytest.mark.parametrize(("name", "target", "short"), LAZY_COMMANDS)
def test_each_lazy_command_is_the_command_it_names(name: str, target: str, short: str) -> None:
    command = _load(target)
    assert isinstance(command, click.Command) and command.name == name
    assert command.get_short_help_str(1000) == short, "harness --help would say otherwise"
