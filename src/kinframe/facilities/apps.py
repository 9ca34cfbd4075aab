from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "kinframe.facilities"
    verbose_name = "Facilities"
