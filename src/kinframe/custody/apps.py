from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "kinframe.custody"
    verbose_name = "Custody"
