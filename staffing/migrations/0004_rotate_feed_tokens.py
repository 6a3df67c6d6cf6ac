"""Replace every agent's agenda feed token (issue 12, point 4).

Until this release every member of staff could read every agent's token on the
agent admin page, and a token alone opens its agent's feed, citizens' names
included: each one must be taken as known. Every agent gets a new token; the
digest of the old one is kept (``RetiredFeedToken``), so that the old address
answers 410 Gone instead of going silently stale, and is marked ``to_notify``.

The e-mails are not sent here. A migration runs once, in a transaction, often
before the workers start and with the mail settings untested: a mail server
down would abort the deployment, and a migration rolled back after sending
would have announced addresses that do not exist. The marked rows are picked
up by the scheduled job "Agenda feed addresses"
(``messaging.tasks.send_feed_address_notices``, installed by ``manage.py
install_schedules``, which ``make run`` and the deployment guide run after
``migrate``): it writes one message per agent to the outbox, which sends and
retries it like every other message, and shows it in the admin.

Not reversible in substance: migrating back keeps the new tokens (the old ones
must not come back) and drops what this migration added.
"""

import hashlib
import secrets

from django.db import migrations


def rotate(apps, schema_editor):
    Agent = apps.get_model("staffing", "Agent")
    RetiredFeedToken = apps.get_model("staffing", "RetiredFeedToken")
    db = schema_editor.connection.alias
    retired = []
    for agent in Agent.objects.using(db).only("pk", "feed_token").order_by("pk"):
        if agent.feed_token:
            retired.append(
                RetiredFeedToken(
                    agent_id=agent.pk,
                    token_digest=hashlib.sha256(agent.feed_token.encode()).hexdigest(),
                    to_notify=True,
                )
            )
        # The same as staffing.models.new_feed_token, frozen here.
        agent.feed_token = secrets.token_urlsafe(24)
        agent.save(update_fields=["feed_token"])
    RetiredFeedToken.objects.using(db).bulk_create(retired)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0003_retiredfeedtoken")]

    operations = [migrations.RunPython(rotate, migrations.RunPython.noop)]
