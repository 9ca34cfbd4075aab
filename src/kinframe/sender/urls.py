from django.urls import path

from .views import account, home, trust
from .views import connections as connection_views  # connections engineer
from .views import credits as credit_views  # payments engineer
from .views import notifications as notification_views
from .views import photos as photo_views  # photos engineer

app_name = "sender"

urlpatterns = [
    path("", home.landing, name="landing"),
    path("terms/", trust.page, {"slug": "terms"}, name="terms"),
    path("privacy/", trust.page, {"slug": "privacy"}, name="privacy"),
    path("help/", trust.page, {"slug": "help"}, name="help"),
    path("contact/", trust.page, {"slug": "contact"}, name="contact"),
    path("facilities/<slug:code>/photo-rules/", trust.photo_rules, name="photo_rules"),
    path("home/", home.home, name="home"),
    # --- photos engineer: sending, history, the sender's own thumbnails ---
    path("photos/", photo_views.photo_history, name="photos"),
    path("photos/send/<int:connection_id>/", photo_views.photo_send, name="photo_send"),
    path(
        "photos/send/<int:connection_id>/check/",
        photo_views.photo_send_check,
        name="photo_send_check",
    ),
    path("photos/<uuid:public_id>/appeal/", photo_views.photo_appeal, name="photo_appeal"),
    path("photos/<uuid:public_id>/thumbnail/", photo_views.photo_thumbnail, name="photo_thumbnail"),
    path(
        "photos/<uuid:public_id>/withdraw/",
        photo_views.photo_withdraw_view,
        name="photo_withdraw",
    ),
    # --- end photos engineer ---
    # --- connections engineer: finding someone, requests, the sender's connections ---
    path("search/", connection_views.search, name="search"),
    path("connections/", connection_views.connection_list, name="connections"),
    path("connections/request/", connection_views.request_connection, name="connection_request"),
    path(
        "connections/<int:connection_id>/end/",
        connection_views.end_connection,
        name="connection_end",
    ),
    # --- end connections engineer ---
    # --- payments engineer: balance, buying credits, statement, refunds ---
    path("account/data/", account.account_data, name="account_data"),
    path("account/data/download/", account.account_download, name="account_download"),
    path("account/close/", account.account_close_view, name="account_close"),
    path("notifications/", notification_views.preferences, name="notifications"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="unsubscribe",
    ),
    path("credits/", credit_views.credits, name="credits"),
    path("credits/statement.csv", credit_views.statement_csv, name="statement_csv"),
    path("credits/purchases/<int:purchase_id>/", credit_views.purchase, name="purchase"),
    path("credits/refund/", credit_views.refund, name="credits_refund"),
    # --- end payments engineer ---
]
