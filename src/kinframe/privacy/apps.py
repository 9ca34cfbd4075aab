from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kinframe.privacy"
    verbose_name = "Account rights"
