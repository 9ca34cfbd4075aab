from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kinframe.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .mfa import confine_to_enrolment_on_login
        from .middleware import activate_account_language_on_login

        user_logged_in.connect(
            confine_to_enrolment_on_login, dispatch_uid="kinframe.accounts.confine_to_enrolment"
        )
        user_logged_in.connect(
            activate_account_language_on_login,
            dispatch_uid="kinframe.accounts.activate_account_language",
        )
