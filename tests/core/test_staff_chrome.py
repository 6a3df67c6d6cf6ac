"""What every staff page carries (issue 21, points 2 and 5): a skip link to
the main landmark, the favicon, dashboard icons hidden from screen readers,
and import-export's tools in no list."""

from django.urls import reverse


def test_admin_pages_have_a_skip_link_to_their_main_landmark(client, administrator):
    client.force_login(administrator)
    for url in (reverse("admin:index"), reverse("admin:staffing_service_changelist")):
        html = client.get(url).content.decode()
        assert html.count("<main ") == 1
        assert 'id="main-content"' in html
        skip = html.index('class="rdv-skip-link" href="#main-content"')
        assert skip < html.index('id="page"'), "the skip link comes first"


def test_admin_pages_have_a_favicon(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon"' in html
    assert "staff/favicon.svg" in html


def test_dashboard_icons_are_decoration(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "rdv-card-icon" in html
    for chunk in html.split("rdv-card-icon")[1:]:
        assert 'aria-hidden="true"' in chunk.split(">")[0]


def test_import_export_tools_are_not_a_list(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("admin:staffing_service_changelist")).content.decode()
    assert '<ul class="object-tools">' not in html
    assert '<div class="object-tools">' in html


def test_the_login_page_has_its_main_landmark(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert html.count("<main ") == 1
    assert 'id="id_username"' in html.split("<main ")[1]
