"""Kinframe's own account pages, mounted under /accounts/ beside allauth's."""

from django.urls import path

from . import views

urlpatterns = [
    path("language/", views.language_set, name="language_set"),
    path("2fa/enrol/", views.enrolment_required, name="mfa_enrolment_required"),
    path("2fa/enrol/<str:token>/", views.enrolment_link, name="mfa_enrolment_link"),
]
