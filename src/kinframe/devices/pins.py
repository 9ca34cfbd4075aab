"""Which kiosk PINs are allowed: six digits or more, none of the ones people guess first.

A PIN guarded by a lockout after five tries is only as strong as the guesses an attacker spends
those tries on. Six digits give a million PINs, but people choose 123456, 111111, a year or a
keypad line far more often than chance; those are refused, as are the person's own number's digits.
Pure functions: no Django, no database.
"""

from __future__ import annotations

import itertools

from django.utils.translation import gettext, ngettext

MIN_LENGTH = 6
MAX_LENGTH = 12

# Common choices that the patterns below do not catch (keypad lines, well-known favourites).
COMMON = frozenset(
    {
        "112233", "121212", "123321", "123654", "147258", "147852", "159357", "159753",
        "258369", "258456", "369258", "456789", "741852", "753951", "789456", "852456",
        "963852", "987654", "102030", "101010", "131313", "696969", "100200", "520520",
        "142536", "124578", "998877", "778899", "445566", "654123", "147369", "321654",
    }
)  # fmt: skip


def _is_repetition(pin: str) -> bool:
    """111111, 121212, 123123, 112112: the PIN is a shorter block repeated."""
    size = len(pin)
    return any(
        size % period == 0 and pin == pin[:period] * (size // period)
        for period in range(1, size // 2 + 1)
    )


def _is_run(pin: str) -> bool:
    """123456, 654321, 890123, 246802: every step between digits is the same (modulo 10)."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return len(steps) == 1


def _is_pairs(pin: str) -> bool:
    """112233, 778899: each digit doubled."""
    return len(pin) % 2 == 0 and all(pin[i] == pin[i + 1] for i in range(0, len(pin), 2))


def _is_padded_year(pin: str) -> bool:
    """001987, 198700, 199999, 201111: a year 1900-2099 with the rest one repeated digit."""
    for start in range(len(pin) - 3):
        year = pin[start : start + 4]
        if year[:2] in ("19", "20"):
            rest = pin[:start] + pin[start + 4 :]
            if len(set(rest)) <= 1:
                return True
    return False


def pin_problem(pin: str, *, number: str = "") -> str | None:
    """Why ``pin`` may not be used, in words for the person choosing it; None if it may."""
    if not pin.isascii() or not pin.isdigit():
        return gettext("Use digits only.")
    if len(pin) < MIN_LENGTH:
        return ngettext(
            "Use at least %(count)d digit.", "Use at least %(count)d digits.", MIN_LENGTH
        ) % {"count": MIN_LENGTH}
    if len(pin) > MAX_LENGTH:
        return ngettext(
            "Use at most %(count)d digit.", "Use at most %(count)d digits.", MAX_LENGTH
        ) % {"count": MAX_LENGTH}
    number_digits = "".join(c for c in number if c.isdigit())
    if len(number_digits) >= 4 and number_digits in pin:
        return gettext("Do not use your number in your PIN.")
    if (
        pin in COMMON
        or _is_repetition(pin)
        or _is_run(pin)
        or _is_pairs(pin)
        or _is_padded_year(pin)
    ):
        return gettext("That PIN is too easy to guess. Choose digits without a pattern.")
    return None
