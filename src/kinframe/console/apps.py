from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kinframe.console"
    verbose_name = "Console"
