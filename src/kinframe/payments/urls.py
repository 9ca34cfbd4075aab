from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("sandbox/checkout/<str:session_id>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("webhooks/sandbox/", views.sandbox_webhook, name="webhook_sandbox"),
    path("webhooks/stripe/", views.stripe_webhook, name="webhook_stripe"),
]
