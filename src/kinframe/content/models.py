"""The pages a paying service owes its customers (terms, privacy, help, contact), written by the
operator in the admin, in English and Spanish."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SitePage(models.Model):
    class Slug(models.TextChoices):
        TERMS = "terms", _("Terms of service")
        PRIVACY = "privacy", _("Privacy policy")
        HELP = "help", _("Help")
        CONTACT = "contact", _("Contact")

    slug = models.CharField(max_length=16, choices=Slug.choices, unique=True)
    title_en = models.CharField("title (English)", max_length=120)
    body_en = models.TextField(
        "text (English)", help_text="Plain text; a blank line starts a new paragraph."
    )
    title_es = models.CharField("title (Spanish)", max_length=120, blank=True)
    body_es = models.TextField("text (Spanish)", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title_en

    def in_language(self, language: str) -> tuple[str, str]:
        """(title, body) in ``language`` ("es", "es-mx", ...), falling back to English."""
        if language.lower().startswith("es") and self.title_es and self.body_es:
            return self.title_es, self.body_es
        return self.title_en, self.body_en
