"""The layout stays as documented: no import cycles, no private names used across modules, and
per-batch caches through ``BatchContext.cached`` only.  Imports are read with ``ast`` (function-level
imports count: a loop through a lazy import is still a loop; ``if TYPE_CHECKING:`` blocks do not)."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGES = {"trainlint": ROOT / "lint", "trainlint.rules": ROOT / "rules"}

#: still to go (issue 15): each entry is one known violation; remove it with the fix.  A new
#: violation fails, and so does an entry that no longer happens (the list only shrinks).
KNOWN_CYCLES: set[frozenset[str]] = set()
KNOWN_PRIVATE: set[tuple[str, str]] = set()
KNOWN_DICT_WRITES: set[str] = set()
#: the modules that choose and start an engine: the runner, the faces (CLI, GX export), the test kit
ENGINE_CHOOSERS = {"trainlint.runner", "trainlint.testing", "trainlint.cli.check_cmd", "trainlint.gx.export"}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([pkg, *parts])] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """(module imported, private name taken from it or None) for every import run by ``name``."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out: list[tuple[str, str | None]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for c in child.orelse:
                    visit(c)
                continue
            if isinstance(child, ast.Import):
                out.extend((a.name, None) for a in child.names if a.name in modules)
            elif isinstance(child, ast.ImportFrom):
                base = package[:len(package) - child.level + 1] if child.level else []
                mod = ".".join(base + [child.module] if child.module else base)
                for a in child.names:
                    full = f"{mod}.{a.name}"
                    if full in modules:
                        out.append((full, None))
                    elif mod in modules:
                        out.append((mod, a.name if a.name.startswith("_") and not a.name.startswith("__") else None))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return [(m, p) for m, p in out if m != name]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: {t for t, _ in _imports(m, p, modules)} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.add(frozenset(comp))
    return found


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == {frozenset("abc")}
    assert _cycles({"a": {"b"}, "b": set()}) == set()


def test_no_import_cycles():
    graph = _graph()
    assert "trainlint.findings.rows" in graph["trainlint.rule"]  # function-level imports count
    assert _cycles(graph) == KNOWN_CYCLES


def test_parallelism_stays_in_the_engines():
    """Rules and the core never import an engine (the rule contract says what a rule needs, the
    engines supply it); only the modules that choose one do."""
    graph = _graph()
    assert any(t.startswith("trainlint.engines") for t in graph["trainlint.runner"])  # the check sees them
    importers = {m for m, targets in graph.items() if not m.startswith("trainlint.engines")
                 and any(t == "trainlint.engines" or t.startswith("trainlint.engines.") for t in targets)}
    assert importers <= ENGINE_CHOOSERS, importers - ENGINE_CHOOSERS


def _private_uses() -> set[tuple[str, str]]:
    """(importer, private thing) for private names imported from another module, and private
    modules imported from outside the package that holds them."""
    modules = _modules()
    out = set()
    for name, path in modules.items():
        for target, private in _imports(name, path, modules):
            if private is not None:
                out.add((name, f"{target}.{private}"))
                continue
            owner, _, leaf = target.rpartition(".")
            inside = name == owner or name.startswith(owner + ".")  # the package or one below it
            if leaf.startswith("_") and not leaf.startswith("__") and not inside:
                out.add((name, target))
    return out


def test_no_private_names_across_modules():
    assert _private_uses() == KNOWN_PRIVATE


def test_per_batch_caches_go_through_batch_context():
    writers = set()
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == "__dict__"
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                writers.add(name)
    assert writers == KNOWN_DICT_WRITES


#: files allowed over ``MAX_LINES``, each with the reason (none today: the list only shrinks)
LONG_FILES: dict[str, str] = {}
MAX_LINES = 400


def test_no_module_over_400_lines():
    """Small modules named after what they hold (STYLE.md): a file that grows past the limit is
    split, or listed in ``LONG_FILES`` with the reason."""
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert len(lengths) > 100 and max(lengths.values()) > 100  # the walk found the code
    long = {name for name, n in lengths.items() if n > MAX_LINES}
    assert long == set(LONG_FILES), {name: lengths.get(name) for name in long ^ set(LONG_FILES)}
