from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    """Reading what happened: photo search, each photo's story, case exports. No models: the
    photos, their views and the audit trail are the record; an export is itself audited."""

    name = "kinframe.investigations"
    verbose_name = "Investigations"
