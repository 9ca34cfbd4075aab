"""How much a sender may buy, and what they are told when they ask for more.

The one place the purchase limits are read and explained: ``purchases.purchase_create`` enforces
them, and the credits page shows the same figures (and the same messages, from the service).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


@dataclass(frozen=True)
class PurchaseLimits:
    minimum: int  # credits in the smallest purchase
    maximum: int  # credits in the largest purchase
    daily: int  # credits one account may buy (or hold in open checkouts) in 24 hours

    @classmethod
    def current(cls) -> PurchaseLimits:
        return cls(
            minimum=settings.CREDITS_MIN_PURCHASE,
            maximum=settings.CREDITS_MAX_PURCHASE,
            daily=settings.CREDITS_DAILY_LIMIT,
        )

    def amount_problem(self, credits: object) -> str | None:
        """Why one purchase of ``credits`` is not allowed, or None if it is."""
        if not isinstance(credits, int) or isinstance(credits, bool):
            return "Enter a whole number of credits."
        if credits < self.minimum:
            return f"The smallest purchase is {self.minimum:,} credits ({dollars(self.minimum)})."
        if credits > self.maximum:
            return (
                f"One purchase can be at most {self.maximum:,} credits ({dollars(self.maximum)})."
            )
        return None

    def daily_problem(self, *, credits: int, recent: int, unpaid: int) -> str | None:
        """Why buying ``credits`` more is not allowed when ``recent`` credits count against the
        day (``unpaid`` of them in checkouts that can still be paid), or None if it is."""
        if recent + credits <= self.daily:
            return None
        left = max(self.daily - recent, 0)
        message = (
            f"You can buy at most {dollars(self.daily)} of credits in 24 hours. "
            f"You can buy {left:,} more credits now"
            + (", or try again tomorrow." if left else "; try again tomorrow.")
        )
        if unpaid:
            # A declined checkout counts too; say so, or the sender cannot see why.
            message += (
                f" This counts {unpaid:,} credits in a checkout you opened in the last half hour "
                "that can still be paid; once it closes unpaid, they no longer count."
            )
        return message
