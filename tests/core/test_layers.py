"""The layering holds: no import cycles in the package, and the core contract of ``lint-imports`` (pyproject.toml)
covers every module of the core, so a new core module cannot slip past it."""

import tomllib
from pathlib import Path

import grimp

import ai_commerce
from ai_commerce import capabilities

ROOT = Path(ai_commerce.__file__).resolve().parent
CONTRACTS = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def contract(contract_id):
    return next(c for c in CONTRACTS if c["id"] == contract_id)


def test_the_core_contract_names_every_core_module_and_every_capability():
    capability_packages = {config.name for config in capabilities.installed() if config.name.startswith("ai_commerce.")}
    children = {f"ai_commerce.{p.stem}" for p in ROOT.iterdir()
                if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    core = contract("core")
    assert set(core["source_modules"]) == children - capability_packages
    assert set(core["forbidden_modules"]) == capability_packages == set(contract("capabilities")["modules"])


def test_no_module_imports_one_that_imports_it_back():
    graph = grimp.build_graph("ai_commerce")
    cycles = sorted(
        f"{module} -> {imported}" for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported != module and not module.startswith(f"{imported}.")  # a package's face re-exporting a child
        and graph.chain_exists(importer=imported, imported=module)
    )
    assert cycles == []


def test_the_forecasts_web_modules_import_no_forecasting_library():
    web = contract("web")
    assert {"ai_commerce.forecast.urls", "ai_commerce.forecast.api", "ai_commerce.forecast.admin",
            "ai_commerce.forecast.dashboard"} <= set(web["source_modules"])
    assert {"ai_commerce.forecast.training", "ai_commerce.forecast.methods", "statsforecast", "numba",
            "pandas"} <= set(web["forbidden_modules"])
