from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "kinframe.credits"
    verbose_name = "Credits"
