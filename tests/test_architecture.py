"""The layout's rules, checked on the source: import directions, no import cycles, short functions.

ARCHITECTURE.md explains the layers; this test keeps them true. Imports are read with `ast`, so a
lazy import inside a function counts like one at the top. Imports under `if TYPE_CHECKING:` are
left out: they never run, and exist only so a type can be named.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "tutor")
MAX_FUNCTION_LINES = 80

TUTOR_LAYERS = ("checks", "commands", "lessons", "learner", "live", "exercises", "workshop", "ui", "cli")
"""From the bottom up: a tutor layer may import the layers before it, never those after it.
The Textual app (`ui`) sits near the top; only the command line that starts it (`cli`) imports it."""
PROGRAM = "tutor.cli"
"""The program's tree of command names sits below every layer: it imports only the sandbox's CLI
and names the tutor's commands and the app as strings, loaded when used, so the command bar can
parse with it. The commands themselves (`tutor.cli.*`) are the top layer."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = (path, ast.parse(path.read_text(), filename=str(path)))
    return found


SOURCES = _sources()


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """Ids of the import nodes that sit under `if TYPE_CHECKING:`."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def _imports_of(module: str, path: Path, tree: ast.Module) -> set[str]:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    skipped = _type_checking_blocks(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in SOURCES else source)
    return {target for target in targets if target in SOURCES and target != module}


GRAPH = {module: _imports_of(module, path, tree) for module, (path, tree) in SOURCES.items()}


def _tutor_layer(module: str) -> int:
    if module == PROGRAM:
        return -1
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in TUTOR_LAYERS:
        return len(TUTOR_LAYERS)  # tutor/__init__ and __main__: the entry point, above everything
    return TUTOR_LAYERS.index(parts[1])


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    assert _cycles() == []


def test_the_sandbox_never_imports_the_tutor():
    wrong = [(m, t) for m, targets in GRAPH.items() if m.startswith("sandbox") for t in targets if t.startswith("tutor")]
    assert wrong == []


def test_tutor_layers_only_import_downwards():
    wrong = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items() if module.startswith("tutor.")
        for target in targets if target.startswith("tutor.") and _tutor_layer(target) > _tutor_layer(module)
    ]
    assert wrong == []


def test_only_the_app_imports_textual():
    textual_users = {
        module for module, (path, tree) in SOURCES.items()
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and any(name.split(".")[0] == "textual" for name in _imported_names(node))
    }
    outside = sorted(m for m in textual_users if not m.startswith("tutor.ui"))
    assert outside == []


def _imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if not node.level else []


def test_no_function_is_longer_than_80_lines():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in SOURCES.values()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_checker_sees_lazy_imports():
    """The rules above would pass vacuously if the reader missed imports inside functions."""
    snippet = ast.parse("def launch():\n    from tutor.ui import app\n\nif TYPE_CHECKING:\n    from tutor.ui import palette\n")
    seen = _imports_of("tutor.cli.example", ROOT / "tutor" / "cli" / "example.py", snippet)
    assert seen == {"tutor.ui.app"}
