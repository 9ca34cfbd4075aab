from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "kinframe.photos"
    verbose_name = "Photos"
