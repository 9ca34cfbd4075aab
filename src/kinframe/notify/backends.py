"""Email backend for the embedded setup: print each message and keep it in the outbox."""

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

from .models import OutboxMessage


class OutboxEmailBackend(ConsoleEmailBackend):
    """Prints like Django's console backend and stores a copy, so a demo user can read their code."""

    def send_messages(self, email_messages):
        for message in email_messages:
            for recipient in message.recipients():
                OutboxMessage.objects.create(
                    channel=OutboxMessage.Channel.EMAIL,
                    to=recipient,
                    subject=str(message.subject)[:200],
                    body=str(message.body),
                )
        return super().send_messages(email_messages)
