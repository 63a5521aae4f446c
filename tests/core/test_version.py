"""One version, written in pyproject.toml; the package, the API schema and the changelog agree with it."""

import re
import tomllib
from pathlib import Path

import ai_commerce

ROOT = Path(ai_commerce.__file__).resolve().parent.parent


def pyproject_version():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_package_reports_pyprojects_version():
    assert ai_commerce.__version__ == pyproject_version()


def test_a_source_checkout_without_metadata_reads_pyproject(monkeypatch):
    from importlib import metadata

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert ai_commerce._version() == pyproject_version()


def test_the_changelog_has_the_version_and_an_unreleased_section():
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert pyproject_version() in headings


def test_the_licence_file_is_the_one_pyproject_names():
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
