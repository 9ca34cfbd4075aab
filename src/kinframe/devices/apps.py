from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "kinframe.devices"
    verbose_name = "Kiosk devices"
