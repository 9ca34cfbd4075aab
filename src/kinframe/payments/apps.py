from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kinframe.payments"
    verbose_name = "Payments"
