from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, testid: str = "") -> str:
    """A navigation link that is left out while the page it names is not installed."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return ""
    current = context["request"].path == url
    return format_html(
        '<a href="{}"{}{}>{}</a>',
        url,
        format_html(' aria-current="page"') if current else "",
        format_html(' data-testid="{}"', testid) if testid else "",
        label,
    )
