from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kinframe.notify"
    verbose_name = "Notify"
