"""django-ai-commerce: recommendations, review sentiment and smart pricing for an existing Django shop.

Add ``"ai_commerce"`` (and any of its sub-apps) to ``INSTALLED_APPS``, point ``AI_COMMERCE_PRODUCT_MODEL`` at the
shop's product model and map the shop's fields in ``AI_COMMERCE``; see docs/getting-started.md.
"""

from importlib import metadata as _metadata


def _version():
    """The installed distribution's version; in a source checkout that is not installed, pyproject.toml's."""
    try:
        return _metadata.version("django-ai-commerce")
    except _metadata.PackageNotFoundError:
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        if pyproject.is_file():
            import tomllib

            return tomllib.loads(pyproject.read_text())["project"]["version"]
        return "0+unknown"


#: Written in one place, pyproject.toml's ``[project] version``; read here from the package metadata.
__version__ = _version()
