"""The shape the docs promise: domain apps never import audience apps; no migration is missing."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

SRC = Path(__file__).resolve().parents[1] / "src" / "kinframe"
DOMAIN_APPS = [
    "accounts",
    "audit",
    "facilities",
    "connections",
    "credits",
    "payments",
    "photos",
    "notify",
    "ops",
]
AUDIENCE_APPS = ["sender", "kiosk", "console", "api"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_app_never_imports_an_audience_app(app):
    offenders = []
    for path in sorted((SRC / app).rglob("*.py")):
        for module in imported_modules(path):
            if any(module.startswith(f"kinframe.{audience}") for audience in AUDIENCE_APPS):
                offenders.append(f"{path.relative_to(SRC)} imports {module}")
    assert offenders == []


def test_imaging_module_has_no_django_in_it():
    imaging = SRC / "photos" / "imaging.py"
    assert not any(m.startswith("django") for m in imported_modules(imaging))


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
