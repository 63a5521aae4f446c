"""The generated parts of the documentation site (docs/) match the code they describe.

docs/checks.md is checked by test_checks.py and docs/security.md's permissions table by test_permissions_table.py;
this module checks docs/api.md's table of operations, which ``api_table()`` prints from the OpenAPI schema::

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -c \\
        "import django; django.setup(); from tests.core.test_docs import api_table; print(api_table())"
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def api_table(client=None):
    """Every operation of the served OpenAPI schema (the althost shop installs every capability), as markdown."""
    if client is None:
        from django.conf import settings
        from django.test import Client

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
    schema = json.loads(client.get("/ai/api/schema/?format=json").content)
    lines = ["| operation | operation id | answers |", "| --- | --- | --- |"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = ", ".join(sorted(operation["responses"]))
            lines.append(f"| `{method.upper()} /ai{path}` | `{operation['operationId']}` | {answers} |")
    return "\n".join(lines)


def test_the_api_page_lists_every_operation_of_the_schema(client):
    assert api_table(client) in (ROOT / "docs" / "api.md").read_text()
