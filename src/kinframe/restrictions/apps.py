from django.apps import AppConfig


class RestrictionsConfig(AppConfig):
    name = "kinframe.restrictions"
    verbose_name = "Restrictions"
