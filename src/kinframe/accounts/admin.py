from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "phone", "is_active", "is_superuser", "date_joined"]
    search_fields = ["username", "email", "phone"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Contact", {"fields": ["phone", "phone_verified"]}),
    )
