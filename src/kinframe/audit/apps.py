from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kinframe.audit"
    verbose_name = "Audit"
