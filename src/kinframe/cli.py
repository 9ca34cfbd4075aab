"""The ``kinframe`` command: Django's management commands under the project's name.

``kinframe migrate``, ``kinframe demo``, ``kinframe serve``, ``kinframe worker``, ``kinframe check_ledger``.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinframe.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kinframe", *sys.argv[1:]])


if __name__ == "__main__":
    main()
