"""House rule: the web process never imports TensorFlow, nor scikit-learn, SciPy or the forecast's statsforecast
(numba, pandas).

A fresh interpreter imports every module of the package (except the worker-only training modules, named
``train*.py``) and every URLconf, view, template tag and admin module, then checks ``sys.modules`` for TensorFlow.
Another starts the way a web worker does (``django.setup()``, every URLconf and view, the admin, every template tag
library) and checks that no model library was loaded: only a request that needs a model may load one.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import ai_commerce

SCRIPT = """
import importlib, pkgutil, sys
import django
django.setup()
import ai_commerce
from django.urls import get_resolver
get_resolver().url_patterns  # imports every URLconf and view
from django.contrib import admin
admin.autodiscover()
from django.template import engines
for engine in engines.all():
    engine.engine.template_libraries  # imports every template tag library
names = [m.name for m in pkgutil.walk_packages(ai_commerce.__path__, "ai_commerce.")
         if not m.name.rsplit(".", 1)[-1].startswith("train")]
for name in names:
    importlib.import_module(name)
print(len(names), "modules")
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "tensorflow_recommenders", "tf_keras"))
assert not bad, bad
"""


WEB_SCRIPT = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
from django.contrib import admin
admin.autodiscover()
from django.template import engines
for engine in engines.all():
    engine.engine.template_libraries
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy", "tensorflow", "vaderSentiment",
                                                         "statsforecast", "numba", "pandas"})
assert not loaded, loaded
print("web process clean")
"""


def run_guard(settings_module, script=SCRIPT):
    root = Path(ai_commerce.__file__).parent.parent
    return subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"DJANGO_SETTINGS_MODULE": settings_module, "PYTHONPATH": str(root),
                               "PATH": "/usr/bin:/bin"})


@pytest.mark.train
def test_the_web_process_never_imports_tensorflow():
    # The guard means something only where TensorFlow is installed (make test installs the train extra).
    assert importlib.util.find_spec("tensorflow") is not None, "install requirements/train.txt (make install-train)"
    result = run_guard("tests.settings")
    assert result.returncode == 0, result.stderr
    assert "modules" in result.stdout


def test_a_web_worker_starts_without_any_model_library():
    assert importlib.util.find_spec("sklearn") is not None  # the guard means something only where it is installed
    result = run_guard("tests.settings", WEB_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert "web process clean" in result.stdout
