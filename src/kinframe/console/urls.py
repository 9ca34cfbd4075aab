"""The staff console, mounted at /console/. Every facility page is under the facility's code."""

from django.urls import path

from .views import appeals, audit, connections, facility, home, kiosks, photos, review, staff

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("<slug:code>/review/", review.queue, name="review_queue"),
    path("<slug:code>/photos/", photos.history, name="photos"),
    path("<slug:code>/photos/<uuid:public_id>/", photos.detail, name="photo_detail"),
    path("<slug:code>/photos/<uuid:public_id>/approve/", review.approve, name="photo_approve"),
    path("<slug:code>/photos/<uuid:public_id>/reject/", review.reject, name="photo_reject"),
    path(
        "<slug:code>/photos/<uuid:public_id>/reverse/", appeals.photo_reverse, name="photo_reverse"
    ),
    path("<slug:code>/appeals/", appeals.appeal_list, name="appeals"),
    path(
        "<slug:code>/appeals/<int:appeal_id>/decide/",
        appeals.appeal_decide_view,
        name="appeal_decide",
    ),
    path(
        "<slug:code>/photos/<uuid:public_id>/<slug:variant>/",
        photos.photo_file,
        name="photo_file",
    ),
    path("<slug:code>/settings/", facility.facility_settings, name="settings"),
    path("<slug:code>/settings/reasons/", facility.reason_add, name="reason_add"),
    path("<slug:code>/settings/reasons/<int:reason_id>/", facility.reason_edit, name="reason_edit"),
    path("<slug:code>/connections/", connections.connection_requests, name="connections"),
    path(
        "<slug:code>/connections/<int:connection_id>/approve/",
        connections.connection_decide,
        {"decision": "approve"},
        name="connection_approve",
    ),
    path(
        "<slug:code>/connections/<int:connection_id>/decline/",
        connections.connection_decide,
        {"decision": "decline"},
        name="connection_decline",
    ),
    path("<slug:code>/audit/", audit.audit, name="audit"),
    path("<slug:code>/kiosks/", kiosks.kiosks, name="kiosks"),
    path("<slug:code>/kiosks/<int:device_id>/revoke/", kiosks.kiosk_revoke, name="kiosk_revoke"),
    path("<slug:code>/staff/", staff.staff, name="staff"),
    path(
        "<slug:code>/staff/<int:member_id>/enrolment-link/",
        staff.enrolment_link,
        name="staff_enrolment_link",
    ),
]
