from django.urls import path

from . import connections, viewer, views

app_name = "kiosk"

urlpatterns = [
    path("", views.home, name="home"),
    path("enrol/", views.enrol, name="enrol"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("language/", views.language, name="language"),
    path("pin/", views.new_pin, name="new_pin"),
    path("requests/<int:connection_id>/approve/", views.request_approve, name="connection_approve"),
    path("requests/<int:connection_id>/decline/", views.request_decline, name="connection_decline"),
    path("connections/", connections.connections, name="connections"),
    path(
        "connections/<int:connection_id>/<str:change>/",
        connections.connection_change,
        name="connection_change",
    ),
    path("photos/<uuid:public_id>/", viewer.photo_viewer, name="photo"),
    path("photos/<uuid:public_id>/shown/", viewer.photo_shown, name="photo_shown"),
    path("photos/<uuid:public_id>/<str:variant>/", viewer.photo_file, name="photo_file"),
]
