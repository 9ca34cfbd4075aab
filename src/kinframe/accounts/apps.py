from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kinframe.accounts"
    verbose_name = "Accounts"
