"""/healthz, /readyz, /metrics, request ids and JSON logs, as a load balancer, Prometheus and a
log pipeline see them."""

import io
import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kinframe.ops.heartbeat import HeartbeatThread, worker_heartbeat
from kinframe.ops.logs import JsonFormatter, RequestIdFilter, current_request_id
from kinframe.ops.models import WorkerHeartbeat
from kinframe.photos.models import Photo
from tests.factories import DeliveredPhotoFactory

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "photos", "email"],
    }
}


# --- /healthz and /readyz ---------------------------------------------------------------------------


def test_healthz_answers_without_the_database_and_for_any_host(client):
    # No django_db mark: any query would raise, so this also proves /healthz never touches it.
    response = client.get("/healthz", HTTP_HOST="web:8000")  # not one of ALLOWED_HOSTS
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_is_ready_with_tasks_run_in_process(client):
    response = client.get("/readyz", HTTP_HOST="web:8000")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "storage", "task_queue", "worker"}


@pytest.mark.django_db
def test_readyz_needs_a_live_worker_for_a_queued_backend(client):
    with override_settings(TASK_BACKEND="database", TASKS=DATABASE_TASKS):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["worker"] == {
            "ok": False,
            "detail": "no task worker has reported",
        }

        worker_heartbeat(worker_id="host-a:101")
        assert client.get("/readyz").status_code == 200

        with time_machine.travel(timezone.now() + timedelta(seconds=90)):
            response = client.get("/readyz")
        assert response.status_code == 503
        assert "last heartbeat 9" in response.json()["checks"]["worker"]["detail"]


@pytest.mark.django_db
def test_readyz_reports_a_failing_storage_by_error_type_only(client, monkeypatch):
    class Unreachable:
        def exists(self, name):
            raise ConnectionError("s3.internal.example:9000 refused, key AKIASECRET")

    monkeypatch.setattr("kinframe.ops.health.default_storage", Unreachable())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "detail": "ConnectionError"}
    assert b"AKIASECRET" not in response.content


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_beats_while_running_and_clears_on_clean_stop():
    thread = HeartbeatThread(worker_id="host-b:7")
    thread.start()
    try:
        assert WorkerHeartbeat.objects.filter(worker_id="host-b:7").exists()
        assert thread.is_alive()
    finally:
        thread.stop()
    assert not thread.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id="host-b:7").exists()


@pytest.mark.django_db
def test_heartbeat_writes_at_most_once_per_interval():
    assert worker_heartbeat(worker_id="host-c:1") is True
    assert worker_heartbeat(worker_id="host-c:1") is False
    assert WorkerHeartbeat.objects.count() == 1


# --- /metrics ------------------------------------------------------------------------------------------


def metric_value(text: str, name: str, **labels) -> float | None:
    """The sample `name` with exactly these labels, read with Prometheus' own parser."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def test_metrics_are_off_without_a_token_or_allowlist(client):
    assert client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN="s3cret-token")
def test_metrics_refuse_a_wrong_token(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_metrics_answer_an_allowed_address_only(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="s3cret-token")
def test_metrics_count_photos_review_age_requests_and_webhook_failures(client, connection_):
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret-token"}
    old = DeliveredPhotoFactory(connection=connection_, status=Photo.Status.PENDING_REVIEW)
    Photo.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    DeliveredPhotoFactory(connection=connection_, status=Photo.Status.PENDING_REVIEW)
    DeliveredPhotoFactory(connection=connection_, status=Photo.Status.APPROVED)

    before = client.get("/metrics", **auth).content.decode()
    client.get("/kiosk/")
    client.post("/payments/webhooks/stripe/", data=b"{}", content_type="application/json")
    text = client.get("/metrics", **auth).content.decode()

    assert metric_value(text, "kinframe_photos", status="pending_review") == 2
    assert metric_value(text, "kinframe_photos", status="approved") == 1
    assert metric_value(text, "kinframe_photos", status="rejected") == 0
    age = metric_value(
        text,
        "kinframe_review_oldest_pending_age_seconds",
        facility=connection_.inmate.facility.code,
    )
    assert age is not None
    assert 7190 < age < 7300

    def count(page: str, name: str, **labels) -> float:
        return metric_value(page, name, **labels) or 0

    webhook = {"view": "payments:webhook_stripe", "status": "400"}
    assert count(text, "kinframe_webhook_failures_total", **webhook) == (
        count(before, "kinframe_webhook_failures_total", **webhook) + 1
    )
    webhook_request = {"view": "payments:webhook_stripe", "method": "POST", "status": "400"}
    assert count(text, "kinframe_http_requests_total", **webhook_request) == (
        count(before, "kinframe_http_requests_total", **webhook_request) + 1
    )
    assert "/kiosk/" not in text  # labelled by URL name, never by raw path


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="t0ken-for-tasks", TASK_BACKEND="database", TASKS=DATABASE_TASKS)
def test_metrics_show_the_task_queue_depth_and_failures(client):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from kinframe.photos.tasks import process_photo

    process_photo.enqueue(1)
    process_photo.enqueue(2)
    failed = process_photo.enqueue(3)
    DBTaskResult.objects.filter(id=failed.id).update(status=TaskResultStatus.FAILED)
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-tasks").content.decode()
    assert metric_value(text, "kinframe_task_queue_depth", queue="photos") == 2
    assert metric_value(text, "kinframe_task_failures", task=process_photo.module_path) == 1


# --- request ids and logs --------------------------------------------------------------------------------


def test_every_response_carries_a_request_id_kept_from_the_proxy_if_sane(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef")["X-Request-ID"] == (
        "0123456789abcdef"
    )
    injected = client.get("/healthz", HTTP_X_REQUEST_ID='x" level=ERROR fake')["X-Request-ID"]
    assert injected != 'x" level=ERROR fake'
    assert len(injected) == 32


def test_access_line_carries_the_request_id_and_view(client):
    """The handler `LOG_FORMAT=json` configures: filter and formatter at emit time, as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("kinframe.access")
    access.addHandler(handler)
    try:
        response = client.get("/healthz")
    finally:
        access.removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["level"] == "INFO"
    assert line["view"] == "ops:healthz"
    assert line["status"] == 200
    assert line["message"].startswith("GET /healthz 200")
    assert line["request_id"] == response["X-Request-ID"]


def test_json_lines_carry_the_current_request_id_and_exceptions():
    token = current_request_id.set("req-12345678")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.getLogger("kinframe.test").makeRecord(
                "kinframe.test", logging.ERROR, __file__, 1, "failed %s", ("x",), exc_info=True
            )
            import sys

            record.exc_info = sys.exc_info()
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(token)
    assert line["request_id"] == "req-12345678"
    assert line["message"] == "failed x"
    assert "ValueError: boom" in line["exception"]
