"""The staff console, mounted at /console/. Every facility page is under the facility's code."""

from django.urls import path

from .views import (
    appeals,
    audit,
    blocks,
    connections,
    facility,
    home,
    investigations,
    kiosks,
    people,
    photos,
    reports,
    review,
    staff,
    watchlist,
)

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("<slug:code>/review/", review.review, name="review"),
    path("<slug:code>/review/grid/", review.queue, name="review_queue"),
    path("<slug:code>/review/stack/", review.stack, name="review_stack"),
    path("<slug:code>/review/heartbeat/", review.heartbeat, name="review_heartbeat"),
    path("<slug:code>/review/release/", review.release, name="review_release"),
    path("<slug:code>/photos/", photos.history, name="photos"),
    path("<slug:code>/photos/<uuid:public_id>/", photos.detail, name="photo_detail"),
    path("<slug:code>/photos/<uuid:public_id>/approve/", review.approve, name="photo_approve"),
    path("<slug:code>/photos/<uuid:public_id>/reject/", review.reject, name="photo_reject"),
    path("<slug:code>/photos/<uuid:public_id>/undo/", review.undo, name="photo_undo"),
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
    path("<slug:code>/investigations/", investigations.search, name="investigations"),
    path(
        "<slug:code>/investigations/photos/<uuid:public_id>/",
        investigations.story,
        name="investigation_story",
    ),
    path(
        "<slug:code>/investigations/export/",
        investigations.export,
        name="investigation_export",
    ),
    path("<slug:code>/reports/", reports.reports, name="reports"),
    path("<slug:code>/kiosks/", kiosks.kiosks, name="kiosks"),
    path("<slug:code>/kiosks/<int:device_id>/revoke/", kiosks.kiosk_revoke, name="kiosk_revoke"),
    path("<slug:code>/staff/", staff.staff, name="staff"),
    path(
        "<slug:code>/staff/<int:member_id>/enrolment-link/",
        staff.enrolment_link,
        name="staff_enrolment_link",
    ),
    path("<slug:code>/staff/add/", staff.staff_add, name="staff_add"),
    path("<slug:code>/staff/<int:member_id>/role/", staff.staff_role, name="staff_role"),
    path("<slug:code>/staff/<int:member_id>/remove/", staff.staff_remove, name="staff_remove"),
    path("<slug:code>/blocks/", blocks.blocks, name="blocks"),
    path("<slug:code>/blocks/new/", blocks.block_new, name="block_new"),
    path("<slug:code>/blocks/<int:block_id>/end/", blocks.block_end_view, name="block_end"),
    path("<slug:code>/suspensions/new/", blocks.suspension_new, name="suspension_new"),
    path(
        "<slug:code>/suspensions/<int:suspension_id>/end/",
        blocks.suspension_end_view,
        name="suspension_end",
    ),
    path("<slug:code>/watchlist/", watchlist.watchlist, name="watchlist"),
    path("<slug:code>/watchlist/add/", watchlist.watchlist_add, name="watchlist_add"),
    path(
        "<slug:code>/watchlist/<int:entry_id>/remove/",
        watchlist.watchlist_remove,
        name="watchlist_remove",
    ),
    path("<slug:code>/people/", people.people, name="people"),
    path("<slug:code>/people/book/", people.person_book, name="person_book"),
    path("<slug:code>/people/<int:inmate_id>/", people.person, name="person"),
    path(
        "<slug:code>/people/<int:inmate_id>/correct/", people.person_correct, name="person_correct"
    ),
    path(
        "<slug:code>/people/<int:inmate_id>/transfer/",
        people.person_transfer,
        name="person_transfer",
    ),
    path(
        "<slug:code>/people/<int:inmate_id>/release/", people.person_release, name="person_release"
    ),
    path(
        "<slug:code>/people/<int:inmate_id>/readmit/", people.person_readmit, name="person_readmit"
    ),
    path(
        "<slug:code>/people/<int:inmate_id>/reset-pin/",
        people.person_reset_pin,
        name="person_reset_pin",
    ),
    path(
        "<slug:code>/people/<int:inmate_id>/connections/<int:connection_id>/end/",
        people.person_connection_end,
        name="person_connection_end",
    ),
]
