from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "kinframe.connections"
    verbose_name = "Connections"
