from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kinframe.api"
    verbose_name = "API"
