from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Kinframe: serving, the task worker and demo data. No models."""

    name = "kinframe.ops"
    verbose_name = "Operations"
