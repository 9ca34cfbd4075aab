"""The shape the docs promise: domain apps never import audience apps; no migration is missing."""

import ast
import re
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

SRC = Path(__file__).resolve().parents[1] / "src" / "kinframe"
PROJECT = SRC.parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_import_contracts_hold():
    """The layers in pyproject.toml: audience over domain, no cycles between domain layers, no
    audience importing another. Imports inside functions count; type-checking-only ones do not."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_every_app_is_in_a_layer():
    """A new app must be placed in the contract, or nothing checks its imports."""
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layered = {
        name.strip().removeprefix("kinframe.")
        for layer in contract["layers"]
        for name in re.split(r"[|:]", layer)
    }
    apps = {path.parent.name for path in SRC.glob("*/apps.py")}
    assert apps - {name.split(".")[0] for name in layered} == set()
    # An app split across layers by module (restrictions) names every module that holds code.
    for app in {name.split(".")[0] for name in layered if "." in name} - layered:
        modules = {
            f"{app}.{path.stem}"
            for path in (SRC / app).glob("*.py")
            if path.stem not in {"__init__", "apps", "admin"}
        }
        assert modules - layered == set(), f"put these modules of {app} in a layer"


def test_imaging_module_has_no_django_in_it():
    imaging = SRC / "photos" / "imaging.py"
    assert not any(m.startswith("django") for m in imported_modules(imaging))


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
