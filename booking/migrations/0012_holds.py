"""Issue 25, point 1: the times held while citizens type their details. A new
table only: reversible, and nothing a commune holds changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0011_reason_details_asked'),
        ('staffing', '0008_service_shows_free_agents'),
    ]

    operations = [
        migrations.CreateModel(
            name='Hold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField(verbose_name='start')),
                ('end', models.DateTimeField(verbose_name='end')),
                ('expires_at', models.DateTimeField(verbose_name='held until')),
                ('key', models.CharField(max_length=80, unique=True, verbose_name='holder')),
                ('client_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='client address')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('agent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='staffing.agent', verbose_name='agent')),
                ('reason', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='booking.visitreason', verbose_name='visit reason')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='staffing.service', verbose_name='service')),
            ],
            options={
                'verbose_name': 'held time',
                'verbose_name_plural': 'held times',
                'indexes': [models.Index(fields=['agent', 'start'], name='booking_hol_agent_i_637e7f_idx'), models.Index(fields=['expires_at'], name='booking_hol_expires_7ce6c8_idx'), models.Index(fields=['client_address', 'expires_at'], name='booking_hol_client__e2f548_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='hold_end_after_start')],
            },
        ),
    ]
