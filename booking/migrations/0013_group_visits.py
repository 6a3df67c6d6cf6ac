"""Several people in one visit (issue 25, point 3): a reason says how many
people one appointment may hold and how much time each extra person adds; an
appointment says how many people come. Appointments made before count one
person (the column's default fills them); reasons made before offer no choice
(at most one person, nothing added). Reversible: backwards, the columns go.
"""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0012_holds'),
        ('staffing', '0008_service_shows_free_agents'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='people',
            field=models.PositiveSmallIntegerField(default=1, help_text='How many people come together to this appointment.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='number of people'),
        ),
        migrations.AddField(
            model_name='historicalappointment',
            name='people',
            field=models.PositiveSmallIntegerField(default=1, help_text='How many people come together to this appointment.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='number of people'),
        ),
        migrations.AddField(
            model_name='historicalvisitreason',
            name='max_people',
            field=models.PositiveSmallIntegerField(default=1, help_text='How many people may come together in one appointment (a family renewing its identity cards). 1: the citizen is not asked.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)], verbose_name='people per visit, at most'),
        ),
        migrations.AddField(
            model_name='historicalvisitreason',
            name='minutes_per_extra_person',
            field=models.PositiveSmallIntegerField(default=0, help_text='Added to the duration for each person beyond the first: a visit of 20 minutes with 10 minutes per extra person lasts 40 minutes for three people.', validators=[django.core.validators.MaxValueValidator(120)], verbose_name='minutes per extra person'),
        ),
        migrations.AddField(
            model_name='visitreason',
            name='max_people',
            field=models.PositiveSmallIntegerField(default=1, help_text='How many people may come together in one appointment (a family renewing its identity cards). 1: the citizen is not asked.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)], verbose_name='people per visit, at most'),
        ),
        migrations.AddField(
            model_name='visitreason',
            name='minutes_per_extra_person',
            field=models.PositiveSmallIntegerField(default=0, help_text='Added to the duration for each person beyond the first: a visit of 20 minutes with 10 minutes per extra person lasts 40 minutes for three people.', validators=[django.core.validators.MaxValueValidator(120)], verbose_name='minutes per extra person'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(('people__gte', 1)), name='appointment_people_positive'),
        ),
        migrations.AddConstraint(
            model_name='visitreason',
            constraint=models.CheckConstraint(condition=models.Q(('max_people__gte', 1)), name='visitreason_max_people_positive'),
        ),
    ]
