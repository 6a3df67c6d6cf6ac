"""Create the Administrator, Service manager and Agent groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from core.roles import sync_role_groups


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate);
    # create them now so that the groups can receive them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def remove_roles(apps, schema_editor):
    from core.roles import ADMINISTRATOR, AGENT, SERVICE_MANAGER

    apps.get_model("auth", "Group").objects.filter(
        name__in=[ADMINISTRATOR, SERVICE_MANAGER, AGENT]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("staffing", "0001_initial"),
        ("booking", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
