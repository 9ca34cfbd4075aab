from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, testid: str = "") -> str:
    """A navigation link that marks itself as the current page for screen readers and CSS."""
    url = reverse(url_name)
    current = "page" if context["request"].path == url else "false"
    return format_html(
        '<a href="{}" aria-current="{}" data-testid="{}">{}</a>', url, current, testid, label
    )
