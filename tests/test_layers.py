"""The layer contract: each package imports only from the floors below it (and stage one only through its public API).

    genre_ldm (study, report, CLI, app)       top: may import anything below
    analysis        diffusion                 side by side: never each other
    autoencoder (stage one)                   the latents file, the models, their training and evaluation
    genre_base (shared base)                  imports no stage

`make lint` runs this file; it fails on an upward import with the file, line and rule broken.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("genre_base", "autoencoder", "analysis", "diffusion", "genre_ldm")
# What each package may import from the project.
ALLOWED = {
    "genre_base": {"genre_base"},
    "autoencoder": {"genre_base", "autoencoder"},
    "analysis": {"genre_base", "autoencoder", "analysis"},
    "diffusion": {"genre_base", "autoencoder", "diffusion"},
    "genre_ldm": set(PROJECT),
}
# Stage one as the floors above it see it: the package's own exports, the latents file, the models the shipped
# diffusion pipeline names, and the PCA baseline that stands beside the VAE.
STAGE_ONE_PUBLIC = {"autoencoder", "autoencoder.latents", "autoencoder.vae", "autoencoder.vocoder", "autoencoder.pca"}


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``source``, relative imports resolved against ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import name`: the module itself, and the name in case it is a submodule
            found += [(node.lineno, target)] if node.module else []
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """The contract's complaints about one module's source (empty: it keeps to its floor)."""
    floor = module.split(".")[0]
    problems = []
    for line, target in imported_modules(source, module, is_package):
        top = target.split(".")[0]
        if top not in PROJECT:
            continue
        if top not in ALLOWED[floor]:
            problems.append(f"{module}:{line} imports {target}: {floor} may import only {sorted(ALLOWED[floor])}")
        elif top == "autoencoder" and floor in ("analysis", "diffusion") and target not in STAGE_ONE_PUBLIC:
            public = {target.rpartition(".")[0]} & STAGE_ONE_PUBLIC
            if not public:
                problems.append(
                    f"{module}:{line} imports {target}: {floor} uses stage one through {sorted(STAGE_ONE_PUBLIC)} only"
                )
    return problems


def project_modules():
    for package in PROJECT:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).with_suffix("")
            is_package = rel.name == "__init__"
            parts = rel.parts[:-1] if is_package else rel.parts
            yield path, ".".join(parts), is_package


def test_every_package_imports_only_from_the_floors_below():
    problems = []
    checked = 0
    for path, module, is_package in project_modules():
        problems += violations(path.read_text(), module, is_package)
        checked += 1
    assert checked > 80
    assert problems == []


def test_the_contract_catches_an_upward_import():
    assert violations("from autoencoder.vae import MelVAE\n", "genre_base.metrics")
    assert violations("import diffusion\n", "autoencoder.codec")
    assert violations("from analysis.probes import probe\n", "diffusion.training")
    assert violations("from autoencoder.training.run import train_vocoder\n", "diffusion.training")
    assert violations("from . import pipeline\n", "diffusion", is_package=True) == []
    assert (
        violations("from autoencoder import load\nfrom autoencoder.latents import load_latents\n", "analysis.encode")
        == []
    )
    assert violations("from genre_ldm.study import run_study\n", "analysis.report")


def module_level_imports(source: str, module: str, is_package: bool) -> list[str]:
    """Imports that run when the module is imported: top-level statements, not under ``if TYPE_CHECKING``."""
    tree = ast.parse(source)
    top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return [
        target for _, target in imported_modules(ast.unparse(ast.Module(body=top, type_ignores=[])), module, is_package)
    ]


def test_no_import_cycles_between_modules():
    modules = {module: (path, is_package) for path, module, is_package in project_modules()}
    graph = {}
    for module, (path, is_package) in modules.items():
        if is_package:
            continue  # a package's __init__ re-exports its modules: edges into packages are not cycles
        targets = module_level_imports(path.read_text(), module, is_package)
        graph[module] = {t for t in targets if t in modules and not modules[t][1] and t != module}
    cycles = []

    def visit(node, stack, seen):
        for nxt in graph.get(node, ()):
            if nxt in stack:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, stack + [nxt], seen)

    seen = set()
    for start in graph:
        if start not in seen:
            seen.add(start)
            visit(start, [start], seen)
    assert cycles == []
