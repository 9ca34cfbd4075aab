from django.shortcuts import redirect
from django.template.response import TemplateResponse

from kinframe.connections.models import Connection
from kinframe.credits.selectors import balance_of
from kinframe.photos.models import Photo

from ..access import verified_sender_required


def landing(request):
    if request.user.is_authenticated:
        return redirect("sender:home")
    return TemplateResponse(request, "sender/landing.html")


@verified_sender_required
def home(request):
    """The sender's dashboard: balance, people they are connected to, latest photos."""
    connections = (
        Connection.objects.filter(sender=request.user)
        .select_related("inmate__facility")
        .order_by("-created_at")[:20]
    )
    photos = (
        Photo.objects.filter(sender=request.user)
        .select_related("inmate", "rejection_reason")
        .order_by("-created_at")[:10]
    )
    return TemplateResponse(
        request,
        "sender/home.html",
        {"balance": balance_of(request.user), "connections": connections, "photos": photos},
    )
