from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "kinframe.kiosk"
    verbose_name = "Kiosk"
