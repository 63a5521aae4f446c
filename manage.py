#!/usr/bin/env python
"""Run Django administrative tasks for the demo shop."""

import os
import sys


def main():
    """Run administrative tasks with the demo shop settings unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ImportError(
            "Couldn't import Django. Is it installed and available on your PYTHONPATH? "
            "Did you forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
