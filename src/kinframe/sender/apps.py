from django.apps import AppConfig


class SenderConfig(AppConfig):
    name = "kinframe.sender"
    verbose_name = "Sender"
