from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "kinframe.content"
    verbose_name = "Site pages"
