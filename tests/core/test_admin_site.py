"""The admin site (core/admin_site.py): the dashboard shows the blocks the apps
register, so that reports, which draws it, imports none of them."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_block():
    def block(request, context):
        context["summary"]["extra"] = 7
        context["extra_user"] = request.user.username

    admin.site.register_dashboard_block("test-extra", block)
    yield
    admin.site._dashboard_blocks.pop("test-extra")


def test_a_registered_block_adds_to_the_dashboard(client, administrator, extra_block):
    client.force_login(administrator)
    context = client.get(reverse("admin:index")).context
    assert context["summary"]["extra"] == 7
    assert context["extra_user"] == administrator.username
    # reports' own figures are still there, beside the block's.
    assert "mine_today" in context["summary"]


def test_messaging_registers_its_block_in_its_app_config():
    assert "messaging" in admin.site._dashboard_blocks
