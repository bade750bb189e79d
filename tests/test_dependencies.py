"""pyproject.toml declares what the code imports, no more and no less (issue 19).

The runtime dependencies are exactly the distributions of the third-party modules that
``src/zjk_charity`` imports (anywhere, lazy imports inside functions included): a library
only the bench, the tests or the scripts use is an extra, not something every user of
the toolkit installs. The extras then cover what the tests, the scripts and the bench
import. Module names map to distributions through the installed packages' metadata
(``python_calamine`` → python-calamine, ``stdnum`` → python-stdnum, ``fontTools`` →
fonttools), so the map is never written by hand.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zjk_charity"


@cache
def _project() -> dict[str, object]:
    document = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project: dict[str, object] = document["project"]
    return project


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares them (Jinja2 = jinja2, pydantic_core =
    pydantic-core)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """``"frictionless[excel]>=5"`` → ``"frictionless"``."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert found, requirement
    return canonical(found.group())


def declared(extra: str | None = None) -> set[str]:
    """The runtime dependencies (``extra`` None) or one extra's, by canonical name."""
    project = _project()
    if extra is None:
        requirements = project["dependencies"]
    else:
        extras = project["optional-dependencies"]
        assert isinstance(extras, dict)
        requirements = extras[extra]
    assert isinstance(requirements, list)
    return {requirement_name(r) for r in requirements}


def imported_modules(folder: Path, own: set[str]) -> dict[str, list[str]]:
    """{top-level module: files importing it} for every absolute import under ``folder``
    that is neither the standard library's nor one of ``own`` (first-party names)."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in own:
                    found.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return found


def distributions(modules: dict[str, list[str]], installed: bool = True) -> dict[str, set[str]]:
    """{distribution: the modules it provides} for ``modules``.

    ``installed``: a module no installed distribution provides fails, naming the files
    that import it. Otherwise (the bench, whose extra the test run need not have) such a
    module is taken to come from the distribution of its own name (pandas, openpyxl).
    """
    provided = importlib.metadata.packages_distributions()
    unknown = {m: files for m, files in modules.items() if m not in provided}
    assert not installed or unknown == {}, "imported, but no installed distribution provides it"
    by_distribution: dict[str, set[str]] = {}
    for module in modules:
        for distribution in provided.get(module, [module]):
            by_distribution.setdefault(canonical(distribution), set()).add(module)
    return by_distribution


def local_modules(folder: Path) -> set[str]:
    """The names a script of ``folder`` imports from beside itself (conftest, hostile…)."""
    return {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir() if p.is_dir()}


# An optional backend's driver: imported by its one module, installed by its extra.
OPTIONAL = {"psycopg": ("postgresql", ["src/zjk_charity/ledger/postgres.py"])}


def test_the_runtime_dependencies_are_exactly_what_the_package_imports() -> None:
    modules = imported_modules(PACKAGE, {"zjk_charity"})
    assert "benchmarks" not in modules, "the shipped package must not import the bench"
    for module, (extra, files) in OPTIONAL.items():
        assert sorted(set(modules.pop(module))) == files, module
        assert module in {canonical(d).split("[")[0] for d in declared(extra)}, extra
    needed = distributions(modules)
    assert sorted(declared() - set(needed)) == [], "declared, but src/zjk_charity never imports it"
    missing = {d: sorted(m) for d, m in needed.items() if d not in declared()}
    assert missing == {}, "imported by src/zjk_charity, but not a runtime dependency"


def test_the_test_extra_installs_what_the_tests_and_scripts_import() -> None:
    available = declared() | declared("test")
    for folder in (ROOT / "tests", ROOT / "scripts"):
        own = {"zjk_charity", "benchmarks"} | local_modules(folder)
        needed = distributions(imported_modules(folder, own))
        assert sorted(set(needed) - available) == [], folder.name


def test_the_bench_extra_installs_what_the_bench_imports() -> None:
    modules = imported_modules(ROOT / "benchmarks", {"zjk_charity", "benchmarks"})
    needed = distributions(modules, installed=False)
    assert sorted(set(needed) - (declared() | declared("bench"))) == []


def test_the_wheel_ships_the_package_alone() -> None:
    """benchmarks/, tests/ and scripts/ stay in the clone: the wheel is zjk_charity."""
    document = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = document["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/zjk_charity"]
    assert not (PACKAGE / "bench").exists()


def test_names_are_compared_as_pep_503_does() -> None:
    assert requirement_name("frictionless[excel]>=5") == "frictionless"
    assert requirement_name("python-calamine>=0.2") == "python-calamine"
    assert requirement_name("typst>=0.15,<0.16") == "typst"
    assert canonical("Jinja2") == canonical("jinja2") == "jinja2"
    assert canonical("pydantic_core") == "pydantic-core"
