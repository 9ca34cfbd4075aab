from django.urls import path

from .views import home

app_name = "sender"

urlpatterns = [
    path("", home.landing, name="landing"),
    path("home/", home.home, name="home"),
]
