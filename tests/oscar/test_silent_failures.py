"""What failed silently for a new Oscar user (issue 25), each set up on the real Oscar shop and caught by its check:
a product page override no loader reads (W008), and excluded order statuses the pipeline does not have (W009)."""

import copy
from pathlib import Path

import pytest
from django.core import checks

from ai_commerce.contrib import oscar as ai_oscar

OVERRIDE = Path(__file__).parent / "templates" / "oscar" / "catalogue" / "detail.html"


def ids_of(messages, id_):
    return [m for m in messages if m.id == id_]


def without_dirs(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = []  # as Django's startproject leaves it
    settings.TEMPLATES = templates


def test_the_preset_with_the_readmes_override_on_dirs_has_no_w008():
    assert ids_of(checks.run_checks(), "ai_commerce.W008") == []


def test_w008_an_override_in_a_templates_folder_that_dirs_does_not_name(settings, tmp_path, monkeypatch):
    target = tmp_path / "templates" / "oscar" / "catalogue" / "detail.html"
    target.parent.mkdir(parents=True)
    target.write_text(OVERRIDE.read_text())
    monkeypatch.chdir(tmp_path)  # the project folder, where manage.py runs
    without_dirs(settings)
    [warning] = ids_of(checks.run_checks(), "ai_commerce.W008")
    assert "the host's own" in warning.msg and "oscar/templates/oscar/catalogue/detail.html" in warning.msg
    assert str(target) in warning.msg and "in no folder the template loaders read" in warning.msg
    assert f"Add {tmp_path / 'templates'} to TEMPLATES[0][\"DIRS\"]" in warning.hint


def test_w008_no_override_at_all(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    without_dirs(settings)
    [warning] = ids_of(checks.run_checks(), "ai_commerce.W008")
    assert "no template named 'oscar/catalogue/detail.html' that loads ai_commerce's tags" in warning.msg
    assert "templates/oscar/catalogue/detail.html" in warning.hint and "DIRS" in warning.hint


def test_w009_statuses_that_the_shops_pipeline_does_not_have(settings):
    settings.AI_COMMERCE = ai_oscar.settings(excluded_statuses=("Pending payment", "Canceled"))
    [warning] = ids_of(checks.run_checks(), "ai_commerce.W009")
    assert "'Pending payment', 'Canceled'" in warning.msg
    assert "'Being processed', 'Cancelled', 'Complete', 'Pending'" in warning.msg  # OSCAR_ORDER_STATUS_PIPELINE
    assert "'Canceled' -> 'Cancelled'?" in warning.hint


@pytest.mark.parametrize("excluded", [("Pending", "Cancelled"), ("Cancelled",), ()])
def test_w009_statuses_of_the_pipeline_pass(settings, excluded):
    settings.AI_COMMERCE = ai_oscar.settings(excluded_statuses=excluded)
    assert ids_of(checks.run_checks(), "ai_commerce.W009") == []
