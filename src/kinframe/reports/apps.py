from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Daily figures per facility, kept by a scheduled task so report pages never scan photos."""

    name = "kinframe.reports"
    verbose_name = "Reports"
