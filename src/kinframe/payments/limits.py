"""How much a sender may buy, and what they are told when they ask for more.

The one place the purchase limits are read and explained: ``purchases.purchase_create`` enforces
them, and the credits page shows the same figures (and the same messages, from the service).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext


def dollars(cents: int) -> str:
    """``cents`` as dollars in the active language's number format: "$1,234.50" in English and in
    US Spanish (``kinframe.formats.es``). Exact: whole cents, never a float."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    amount = number_format(whole, force_grouping=True)
    separator = number_format(1.5, decimal_pos=1)[1]  # the language's decimal mark
    return f"{sign}${amount}{separator}{part:02d}"


def credit_count(credits: int) -> str:
    """A number of credits grouped the active language's way ("1,500")."""
    return number_format(credits, force_grouping=True)


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
            return gettext("Enter a whole number of credits.")
        if credits < self.minimum:
            return gettext("The smallest purchase is %(credits)s credits (%(amount)s).") % {
                "credits": credit_count(self.minimum),
                "amount": dollars(self.minimum),
            }
        if credits > self.maximum:
            return gettext("One purchase can be at most %(credits)s credits (%(amount)s).") % {
                "credits": credit_count(self.maximum),
                "amount": dollars(self.maximum),
            }
        return None

    def daily_problem(self, *, credits: int, recent: int, unpaid: int) -> str | None:
        """Why buying ``credits`` more is not allowed when ``recent`` credits count against the
        day (``unpaid`` of them in checkouts that can still be paid), or None if it is."""
        if recent + credits <= self.daily:
            return None
        left = max(self.daily - recent, 0)
        values = {"amount": dollars(self.daily), "left": credit_count(left)}
        if left:
            message = ngettext(
                "You can buy at most %(amount)s of credits in 24 hours. "
                "You can buy %(left)s more credit now, or try again tomorrow.",
                "You can buy at most %(amount)s of credits in 24 hours. "
                "You can buy %(left)s more credits now, or try again tomorrow.",
                left,
            )
        else:
            message = gettext(
                "You can buy at most %(amount)s of credits in 24 hours. "
                "You can buy %(left)s more credits now; try again tomorrow."
            )
        message %= values
        if unpaid:
            # A declined checkout counts too; say so, or the sender cannot see why.
            message += " " + ngettext(
                "This counts %(unpaid)s credit in a checkout you opened in the last half hour "
                "that can still be paid; once it closes unpaid, it no longer counts.",
                "This counts %(unpaid)s credits in a checkout you opened in the last half hour "
                "that can still be paid; once it closes unpaid, they no longer count.",
                unpaid,
            ) % {"unpaid": credit_count(unpaid)}
        return message
