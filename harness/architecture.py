"""The harness's own map: its parts, what each may import, and the import graph as the code
has it (read with ``ast``, nothing imported). One direction: ``contracts`` (with
``schemas/``) is the single source of truth and imports nothing of ours; ``client`` and
``sandbox`` build on it and never on each other; ``suite`` drives the client against a
sandbox through its public names; the front doors (the command line, the pytest plugin,
the benchmark) sit on top.

``tests/test_architecture.py`` holds the code to these rules; ``harness docs`` draws
``docs/architecture.md`` from them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: Small modules any part may use (``harness._command``, ``_tls``, ``_loopback``...).
SHARED = "shared"


@dataclass(frozen=True)
class Part:
    """A part of the package: its modules' prefix, what it is for, what it may import."""

    name: str
    prefix: str
    purpose: str
    may_import: tuple[str, ...]


#: Bottom to top. ``may_import``: other parts' names (their public modules only).
PARTS: tuple[Part, ...] = (
    Part(
        SHARED,
        "harness._",
        "one-job helpers: command spelling, TLS, loopback, usage "
        "errors, and `_compat`, the only place another library's private names appear",
        (),
    ),
    Part(
        "contracts",
        "harness.contracts",
        "the single source of truth: schemas, operations, "
        "relationship rules, profile and roles, the cookbook's errata and assumptions",
        (),
    ),
    Part(
        "serving",
        "harness.serving",
        "an ASGI app under uvicorn on a socket (one helper for every server)",
        (SHARED,),
    ),
    Part(
        "client",
        "harness.client",
        "the API client: one method per endpoint, retries, waits, journeys, the order builder",
        (SHARED, "contracts"),
    ),
    Part(
        "sandbox",
        "harness.sandbox",
        "the sandbox org: routing, auth, operations, state, clock, faults, its control client",
        (SHARED, "contracts", "serving"),
    ),
    Part(
        "suite",
        "harness.suite",
        "the cookbook suite's logic: the run, its target, a "
        "scenario's world, cassettes, tiers, plans, the report",
        (SHARED, "contracts", "client", "sandbox"),
    ),
    Part(
        "plugin",
        "harness.pytest_plugin",
        "pytest's door to the suite: options, hooks, fixtures",
        (SHARED, "suite"),
    ),
    Part(
        "tools",
        "harness.discovery",
        "profile discovery of a real org",
        (SHARED, "contracts", "client"),
    ),
    Part(
        "docs",
        "harness.docs",
        "docs/ generated from the code",
        (SHARED, "contracts", "suite", "architecture"),
    ),
    Part("architecture", "harness.architecture", "this map, and the import graph", ()),
    Part(
        "notebook",
        "harness.notebook",
        "`harness notebook`: JupyterLab against a sandbox",
        (SHARED, "contracts", "sandbox"),
    ),
    Part(
        "bench",
        "harness.bench",
        "`harness bench`: the benchmark (loaded only when run)",
        (SHARED, "contracts", "client", "sandbox", "serving", "suite"),
    ),
    Part(
        "cli",
        "harness.cli",
        "the `harness` command: thin commands over the parts, each loaded when it runs",
        (
            SHARED,
            "contracts",
            "client",
            "suite",
            "tools",
            "docs",
            "sandbox",
            "notebook",
            "bench",
            "jsonc",
        ),
    ),
    Part("jsonc", "harness.jsonc", "// comments out of pasted JSON", ()),
)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def part_of(module: str) -> Part:
    """The part a module belongs to (the longest prefix that names it)."""
    if module == "harness":
        return PARTS[0]
    for part in sorted(PARTS, key=lambda p: -len(p.prefix)):
        if module == part.prefix or module.startswith(
            part.prefix + ("" if part.prefix.endswith("_") else ".")
        ):
            return part
    raise LookupError(f"{module}: no part of the package's map (harness.architecture.PARTS)")


@dataclass(frozen=True)
class Import:
    """``importer`` imports ``imported`` (a module of ours) at ``line``."""

    importer: str
    imported: str
    line: int
    names: tuple[str, ...] = ()


def imports(found: dict[str, Path] | None = None) -> Iterator[Import]:
    """Every import of a module of ours by a module of ours, at any depth of the code
    (inside functions too: a lazy import is still a dependency)."""
    found = modules() if found is None else found
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in found:
                        yield Import(name, alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(package, node)
                if not target.startswith("harness"):
                    continue
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in found:
                        yield Import(name, full, node.lineno)
                    elif target in found:
                        yield Import(name, target, node.lineno, (alias.name,))


def _absolute(package: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles (strongly connected groups of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def problems(found: dict[str, Path] | None = None) -> list[str]:
    """Every import against the map: a part importing one it may not, a module importing
    another part's private module (``harness.contracts._schemas``) or a sandbox module
    other than the package itself from outside, and every cycle."""
    found = modules() if found is None else found
    out = []
    edges: dict[str, set[str]] = {}
    for imp in imports(found):
        if imp.imported == imp.importer:
            continue
        edges.setdefault(imp.importer, set()).add(imp.imported)
        source, target = part_of(imp.importer), part_of(imp.imported)
        if source == target:
            continue
        where = f"{imp.importer} (line {imp.line}) imports {imp.imported}"
        if target.name not in source.may_import:
            out.append(f"{where}: {source.name} may not depend on {target.name}")
        elif target.name != SHARED and _private(imp.imported):
            out.append(f"{where}: a private module of {target.name}; import its public names")
        elif target.name == "sandbox" and imp.imported != "harness.sandbox":
            out.append(f"{where}: only the sandbox's public names (from harness.sandbox)")
    out += [f"import cycle: {' -> '.join(group)}" for group in cycles(edges)]
    return out


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split(".")[2:])


#: Where to add each kind of thing, step by step (``docs/architecture.md``). Each step
#: names the file and what the tests then hold it to.
RECIPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "an endpoint",
        (
            "`schemas/openapi.yaml`: the path and method with its `operationId` "
            "(`area.verb`, e.g. `orders.get`), `x-side-effect` (`read-only`, `provisioning` "
            "or `orders`: the suite's tier guard reads it), `security`, its parameters, and "
            "its responses: `200` with a response schema, `400`, `401`, `403`, `404` (the "
            "`Error` response) and `429`, `503` (`RetryableError`); a `requestBody` for a POST.",
            "`schemas/<operation>.request.json` / `.response.json`: the JSON Schemas, with an "
            "absolute `$id` like the others (every schema file must be used, "
            "`tests/contracts/test_schemas.py`, which also lists the cookbook's endpoints: add "
            "yours to its table).",
            "`tests/fixtures/cookbook/samples.yaml`: a sample request (with `answers:` naming "
            "its response sample) and a sample response of the operation (the cookbook's "
            "own, when it prints one; the body in a file beside it), each judged by the "
            "contracts in `tests/contracts/test_samples.py`; a journey of "
            "`tests/sandbox/test_cookbook_samples.py` (`JOURNEYS`) sends the request to a "
            "sandbox and compares the answer with the response sample.",
            "`harness/sandbox/views.py`: the response body as a function of the stored rows; "
            "`harness/sandbox/operations.py`: a handler `def name(call: Call) -> Reply` and "
            "its line in `HANDLERS` (the sandbox refuses to start while an operation of the "
            "contracts has no handler). Routing, authentication, body limits and request "
            "validation come from the contracts: nothing to add.",
            '`harness/client/_client.py`: a method calling `self._call("<operationId>", '
            "path_params, body=..., query=...)` and reading the answer with "
            "`self._model(...)` into a model of `harness/client/_models.py`; re-export new "
            "names in `harness/client/__init__.py`. An operation that must not be sent twice "
            "goes into `UNSAFE_OPERATIONS` (`harness/client/_retry.py`).",
            "A step in `features/steps/<area>.py` and a scenario in `features/<area>.feature` "
            "with its tier tag (a file that does not parse, or a tag that is no mark, stops "
            "collection with a line naming its file and line: `harness/suite/feature_files.py`); "
            "then `harness run --mode record --no-report` records its "
            "cassette, and `harness cassettes check` and `harness cassettes drift` pass. "
            "Tests that count the scenarios of a run (`tests/suite`, `tests/reliability`: "
            "'66 passed', the plan's summary) then count one more.",
            "What the cookbook leaves open is an assumption (`ASM-nnn`) in "
            "`harness/contracts/cookbook.py`; `harness docs` writes `docs/` again.",
        ),
    ),
    (
        "a relationship rule",
        (
            '`harness/contracts/rules.py`: a function decorated `@_rule("REL-nnn", title, '
            "section=..., quote=...)` yielding a `Finding` per breach; the client "
            "(`harness validate order`, `OrderBuilder.build`) and the sandbox (422 naming "
            "the rule) both judge by it.",
            "`features/order_rules.feature`: a row of the rules outline, and in "
            '`features/steps/orders.py` a `breakage("<words>")` that breaks the rule in a '
            "valid order; `harness docs` adds the rule to `docs/rules.md`.",
        ),
    ),
    (
        "a step",
        (
            "`features/steps/<area>.py`: a function decorated with pytest-bdd's `given`, "
            "`when` or `then`; it talks to the org through `World` (`world.api` is the "
            "client, `world.role(...)` and `world.site_for(...)` find what the profile "
            "gives), never to the sandbox's internals. Words name roles, not a profile's "
            "values.",
            "A step that makes a site, provisions or orders also declares it to the plan "
            "(`@planned(parser, effects)`, `harness.suite.plan`), so `harness run --plan` and "
            "the tier checks know it.",
            "A new module of steps goes into the root `conftest.py`'s `pytest_plugins`.",
        ),
    ),
    (
        "a fault",
        (
            "`harness/sandbox/faults.py`: its name in `STATUS_FAULTS`, `CONNECTION_FAULTS` "
            "or `ITEM_FAULTS`, the spec check in `_parse`, and what it does in `act_out`.",
            "`features/steps/faults.py`: the words a scenario says it with, in `FAULTS` "
            "(words -> spec); the scenario carries `@sandbox-faults`, so that a run against "
            "a real org leaves it out.",
        ),
    ),
)
