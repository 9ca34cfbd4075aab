from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kinframe.api"
    verbose_name = "API"

    def ready(self) -> None:
        """Listen to the domain's events to send clients their webhooks (the domain never imports
        this app; it only publishes)."""
        from .webhooks import subscribe_to_domain_events

        subscribe_to_domain_events()
