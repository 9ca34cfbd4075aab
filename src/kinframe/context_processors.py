from django.conf import settings

from kinframe.payments.providers import get_provider


def site(request):
    """What every page may show: the site's name, and whether card payments are only a test."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEBUG": settings.DEBUG,
        "TEST_MODE": get_provider().test_mode,
    }
