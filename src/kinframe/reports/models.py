"""One row of figures per facility and local day, written by ``reports_refresh``.

Report pages read only these rows (a year is 365 rows per facility), never the photos, so a page
costs the same at ten photos or ten million. Review times are kept as a histogram of whole minutes
rather than as a daily median: medians cannot be added up, but histograms can, so a week's or a
month's median and 95th percentile are exact to the minute.
"""

from django.db import models


class FacilityDay(models.Model):
    """A facility's figures for one day in the facility's own time zone."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.CASCADE, related_name="report_days"
    )
    day = models.DateField()
    received = models.PositiveIntegerField(default=0, help_text="Photos sent that day")
    approved = models.PositiveIntegerField(default=0, help_text="Photos approved that day")
    rejected = models.PositiveIntegerField(default=0, help_text="Photos rejected that day")
    rejected_by_reason = models.JSONField(default=dict, help_text="{reason code: photos}")
    review_minutes = models.JSONField(
        default=dict, help_text="{minutes from sending to decision: photos decided that day}"
    )
    appeals = models.PositiveIntegerField(default=0)
    reversals = models.PositiveIntegerField(default=0)
    revenue = models.PositiveBigIntegerField(
        default=0, help_text="Credits kept for photos approved that day (1 credit = 1 cent)"
    )
    commission = models.PositiveBigIntegerField(
        default=0, help_text="The facility's share of that revenue at the day's commission rate"
    )
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["facility", "day"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "day"], name="reports_facility_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.day}"
