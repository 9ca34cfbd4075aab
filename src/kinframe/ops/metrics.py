"""Prometheus metrics at `/metrics`.

Counters (requests, webhook failures) live in each web process; with several gunicorn workers set
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's own variable) so a scrape adds them up.
Everything else is read from the database at scrape time by `KinframeCollector`: a handful of
aggregate queries, so one scrape every 15-60 s costs nothing worth measuring.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .heartbeat import latest_heartbeat

HTTP_REQUESTS = Counter(
    "kinframe_http_requests",
    "HTTP responses by view (URL name) and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "kinframe_http_request_duration_seconds",
    "Time to answer, by view.",
    ["view"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WEBHOOK_FAILURES = Counter(
    "kinframe_webhook_failures",
    "Payment-provider webhooks answered with an error (400 rejected, 503 retry later).",
    ["view", "status"],
)


class KinframeCollector(Collector):
    """Photos by state, the review backlog, the task queue and its failures, unprocessed webhooks."""

    def collect(self) -> Iterable[Metric]:
        from kinframe.payments.models import PaymentEvent
        from kinframe.photos.models import Photo

        now = timezone.now()
        photos = GaugeMetricFamily("kinframe_photos", "Photos by status.", labels=["status"])
        counts = dict(
            Photo.objects.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for status in Photo.Status.values:
            photos.add_metric([status], counts.get(status, 0))
        yield photos

        oldest = GaugeMetricFamily(
            "kinframe_review_oldest_pending_age_seconds",
            "Age of the oldest photo waiting for review, per facility.",
            labels=["facility"],
        )
        waiting = (
            Photo.objects.filter(status=Photo.Status.PENDING_REVIEW)
            .order_by()
            .values("facility__code")
            .annotate(oldest=Min("created_at"))
        )
        for row in waiting:
            oldest.add_metric([row["facility__code"]], (now - row["oldest"]).total_seconds())
        yield oldest

        yield from self._task_queue()

        unprocessed = GaugeMetricFamily(
            "kinframe_webhook_events_unprocessed",
            "Payment-provider events stored but not applied (a handler failed after storing).",
        )
        unprocessed.add_metric([], PaymentEvent.objects.filter(processed_at__isnull=True).count())
        yield unprocessed

        beat = GaugeMetricFamily(
            "kinframe_worker_heartbeat_age_seconds",
            "Seconds since any task worker last reported (absent if none ever did).",
        )
        latest = latest_heartbeat()
        if latest is not None:
            beat.add_metric([], (now - latest.seen_at).total_seconds())
            yield beat

    def _task_queue(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "kinframe_task_queue_depth", "Tasks waiting to run, per queue.", labels=["queue"]
        )
        failures = GaugeMetricFamily(
            "kinframe_task_failures",
            "Tasks that ended in failure and are still on record, per task.",
            labels=["task"],
        )
        if settings.TASK_BACKEND == "database":
            from django_tasks.base import TaskResultStatus
            from django_tasks_db.models import DBTaskResult

            ready = (
                DBTaskResult.objects.ready()
                .order_by()
                .values_list("queue_name")
                .annotate(n=Count("id"))
            )
            for queue, n in ready:
                depth.add_metric([queue], n)
            failed = (
                DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
                .order_by()
                .values_list("task_path")
                .annotate(n=Count("id"))
            )
            for task_path, n in failed:
                failures.add_metric([task_path], n)
        elif settings.TASK_BACKEND == "rq":
            import django_rq

            for queue_name in settings.TASKS["default"]["QUEUES"]:
                queue = django_rq.get_queue(queue_name)
                depth.add_metric([queue_name], queue.count)
                failures.add_metric([f"rq:{queue_name}"], queue.failed_job_registry.count)
        yield depth
        yield failures


def metrics_allowed(request: HttpRequest) -> bool:
    """A bearer token (`METRICS_TOKEN`) or a client address in `METRICS_ALLOWED_IPS`; neither set
    means the endpoint is off."""
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and secrets.compare_digest(
            header.removeprefix("Bearer ").encode(), token.encode()
        ):
            return True
    if settings.METRICS_ALLOWED_IPS:
        try:
            client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(
            client in ipaddress.ip_network(network, strict=False)
            for network in settings.METRICS_ALLOWED_IPS
        )
    return False


def metrics_enabled() -> bool:
    return bool(settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS)


def render_metrics() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (HTTP_REQUESTS, HTTP_LATENCY, WEBHOOK_FAILURES):
            registry.register(collector)
    registry.register(KinframeCollector())
    return generate_latest(registry)
