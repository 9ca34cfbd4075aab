"""Every action the code writes to the audit trail reads as words on the console's audit page."""

import re
from pathlib import Path

from kinframe.audit.labels import ACTION_LABELS

SRC = Path(__file__).resolve().parents[1] / "src" / "kinframe"
WRITTEN = re.compile(r'audit_log\(\s*"([a-z_]+\.[a-z_]+)"')


def test_each_literal_audit_action_has_a_label():
    actions = {
        match
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        for match in WRITTEN.findall(path.read_text())
    }
    assert len(actions) > 40  # the scan finds the code's actions
    assert sorted(actions - set(ACTION_LABELS)) == []
