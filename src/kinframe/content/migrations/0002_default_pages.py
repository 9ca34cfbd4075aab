"""The four pages every deployment starts with, in English and Spanish; operators edit them in the
admin. Written plainly: many readers use a phone and English may be their second language."""

from django.db import migrations

PAGES = {
    "terms": (
        "Terms of service",
        """Kinframe lets you send photos to a person held at a facility that uses it. The facility decides whether photos are allowed and what they may show.

Credits. 1 credit is 1 US cent. You buy credits by card, at least 500 credits ($5) at a time. Credits never expire. Unspent credits you bought can be refunded to your card from the Credits page.

Photos. A photo costs 100 credits unless the facility sets another price; the price is shown before you send. The credits are taken when you send. Facility staff review every photo. If a photo is not accepted, its credits come back to you at once and we tell you the facility's reason. A photo that cannot be delivered (for example, the person was released or moved) is refunded too.

Your account. Keep your password to yourself. Do not send photos that break the facility's photo rules or the law. The facility may block an account that does, and may end a connection.

Disputes. If you dispute a card payment with your bank, the disputed credits are taken back from your account.""",
        "Condiciones del servicio",
        """Kinframe le permite enviar fotos a una persona detenida en un centro que lo usa. El centro decide si se permiten fotos y qué pueden mostrar.

Créditos. 1 crédito es 1 centavo de dólar. Los créditos se compran con tarjeta, al menos 500 créditos (5 dólares) cada vez. Los créditos no caducan. Los créditos comprados que no haya usado se pueden devolver a su tarjeta desde la página Créditos.

Fotos. Una foto cuesta 100 créditos, salvo que el centro fije otro precio; el precio se muestra antes de enviar. Los créditos se cobran al enviar. El personal del centro revisa cada foto. Si una foto no se acepta, sus créditos se le devuelven en el acto y le decimos el motivo del centro. Una foto que no se puede entregar (por ejemplo, si la persona salió en libertad o fue trasladada) también se reembolsa.

Su cuenta. No comparta su contraseña. No envíe fotos que incumplan las normas del centro o la ley. El centro puede bloquear una cuenta que lo haga y puede terminar una conexión.

Reclamaciones. Si reclama un pago con tarjeta ante su banco, los créditos reclamados se retiran de su cuenta.""",
    ),
    "privacy": (
        "Privacy policy",
        """What we keep. Your name, username, email address and mobile number; the people you connect with; the photos you send and what happened to each; your credit purchases (the card's brand and last four digits only, never the card number).

Photos. We remove the location and camera details from every photo before anyone sees it. Staff of the facility review each photo; investigators of the facility or its agency may see photos and who sent them. Every time the recipient or staff open a photo it is recorded.

How long. Facilities keep photos for their retention period, and may keep records longer where the law requires. Records of payments are kept as tax and card rules require.

Your rights. You can download everything we hold about you, and close your account, from the Account page. Closing refunds your unspent credits to your card first.

We do not sell your information or use it for advertising.""",
        "Política de privacidad",
        """Qué guardamos. Su nombre, nombre de usuario, correo electrónico y número de móvil; las personas con las que se conecta; las fotos que envía y lo que pasó con cada una; sus compras de créditos (solo la marca y los últimos cuatro dígitos de la tarjeta, nunca el número).

Fotos. Quitamos de cada foto la ubicación y los datos de la cámara antes de que nadie la vea. El personal del centro revisa cada foto; los investigadores del centro o de su agencia pueden ver las fotos y quién las envió. Cada vez que el destinatario o el personal abre una foto, queda registrado.

Durante cuánto tiempo. Los centros guardan las fotos durante su plazo de conservación y pueden guardar registros más tiempo si la ley lo exige. Los registros de pagos se guardan según exigen las normas fiscales y de tarjetas.

Sus derechos. Puede descargar todo lo que guardamos sobre usted y cerrar su cuenta desde la página Cuenta. Al cerrarla, primero le devolvemos a su tarjeta los créditos que no haya usado.

No vendemos su información ni la usamos para publicidad.""",
    ),
    "help": (
        "Help",
        """How long does review take? Most facilities review photos within a day; some take longer on weekends. You can see each photo's status on the Photos page.

What if a photo is not accepted? Its credits come back to your account at once, and we tell you the facility's reason. You can send another photo.

Do credits expire? No. Credits never expire. Unspent credits you bought can be refunded to your card.

The person has not answered my request. They answer at the facility's kiosk or tablet. If they are not able to, facility staff can answer for them.

Which photos are allowed? Each facility has its own photo rules; see the photo rules page for the facility you send to.""",
        "Ayuda",
        """¿Cuánto tarda la revisión? La mayoría de los centros revisan las fotos en un día; algunos tardan más los fines de semana. Puede ver el estado de cada foto en la página Fotos.

¿Y si una foto no se acepta? Sus créditos vuelven a su cuenta en el acto y le decimos el motivo del centro. Puede enviar otra foto.

¿Los créditos caducan? No. Los créditos no caducan. Los créditos comprados que no haya usado se pueden devolver a su tarjeta.

La persona no ha respondido a mi solicitud. Responde en el quiosco o la tableta del centro. Si no puede, el personal del centro puede responder por ella.

¿Qué fotos se permiten? Cada centro tiene sus propias normas; vea la página de normas de fotos del centro al que envía.""",
    ),
    "contact": (
        "Contact",
        """Questions about your account, a payment or a refund: write to support@example.org. (The operator of this service replaces this address with their own in the admin.)

Questions about why a photo was not accepted, or about a person held at a facility, are for the facility itself.""",
        "Contacto",
        """Preguntas sobre su cuenta, un pago o un reembolso: escriba a support@example.org. (El operador de este servicio sustituye esta dirección por la suya en la administración.)

Las preguntas sobre por qué no se aceptó una foto, o sobre una persona detenida en un centro, son para el propio centro.""",
    ),
}


def add_pages(apps, schema_editor):
    SitePage = apps.get_model("content", "SitePage")
    for slug, (title_en, body_en, title_es, body_es) in PAGES.items():
        SitePage.objects.get_or_create(
            slug=slug,
            defaults={"title_en": title_en, "body_en": body_en, "title_es": title_es, "body_es": body_es},
        )


class Migration(migrations.Migration):
    dependencies = [("content", "0001_site_pages")]
    operations = [migrations.RunPython(add_pages, migrations.RunPython.noop)]
