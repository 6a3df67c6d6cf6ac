"""The sandboxed template engine and its context (messaging/rendering.py)."""

import pytest
from django.template import TemplateSyntaxError

from messaging.rendering import (
    Texts,
    appointment_context,
    compile_template,
    format_date,
    render_source,
    render_texts,
)
from tests.factories import AppointmentFactory, CitizenFactory, local

from .conftest import TUESDAY


@pytest.mark.parametrize(
    "source",
    [
        "{% load i18n %}",
        "{% load static %}",
        "{% debug %}",
        "{% include 'admin/base.html' %}",
        "{% extends 'admin/base.html' %}",
        "{% csrf_token %}",
        "{% url 'admin:index' %}",
    ],
)
def test_message_templates_cannot_reach_beyond_their_context(source):
    with pytest.raises(TemplateSyntaxError):
        compile_template(source)


def test_message_templates_keep_the_ordinary_tags_and_filters():
    context = {"items": ["a", "b"], "name": "anna"}
    source = "{% for i in items %}{{ i|upper }}{% endfor %} {{ name|title }}"

    assert render_source(source, context) == "AB Anna"


def test_html_is_escaped_in_the_html_version_only():
    context = {"remarks": "<script>alert(1)</script> & co"}

    assert render_source("{{ remarks }}", context) == context["remarks"]
    assert render_source("{{ remarks }}", context, html=True) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    )


def test_the_generated_html_version_escapes_the_text_and_links_urls():
    rendered = render_texts(
        Texts("Sujet", "Bonjour <b>{{ name }}</b>\nhttps://example.be/x"),
        channel="email",
        context={"name": "Anna & Co"},
        language="fr",
    )

    assert "&lt;b&gt;Anna &amp; Co&lt;/b&gt;" in rendered.html_body
    assert '<a href="https://example.be/x"' in rendered.html_body
    assert '<html lang="fr">' in rendered.html_body


@pytest.mark.django_db
def test_the_html_version_shows_the_personal_link_as_a_button():
    """Issue 20: the personal link is a button, not an address that widens a
    phone's screen; the reference never breaks across lines."""
    link = "https://rendez-vous.demo-sur-meuse.be/r/abcd1234efgh"
    rendered = render_texts(
        Texts("Sujet", "Pour voir votre rendez-vous : {{ manage_url }}"),
        channel="email",
        context={"manage_url": link},
        language="en",
        reference="K7MP-4QX2",
    )

    html = rendered.html_body
    assert f'<a href="{link}" style="display:inline-block;' in html
    assert ">Open my appointment</a>" in html
    assert f">{link}<" not in html  # the address is not shown
    assert '<span style="white-space:nowrap">K7MP-4QX2</span>' in html
    assert link in rendered.body  # the text version keeps the address


def test_dates_are_written_out_in_each_language():
    day = local(TUESDAY, 13)

    assert format_date(day, "fr") == "mardi 5 janvier 2027"
    assert format_date(day, "nl") == "dinsdag 5 januari 2027"
    assert format_date(day, "de") == "Dienstag, 5. Januar 2027"
    assert format_date(day, "en") == "Tuesday 5 January 2027"


@pytest.mark.django_db
def test_the_context_holds_plain_values_only():
    appointment = AppointmentFactory(
        citizen=CitizenFactory(first_name="Anna", last_name="Peeters"),
        start=local(TUESDAY, 13),
        end=local(TUESDAY, 13, 15),
    )
    context = appointment_context(appointment, language="fr")

    def plain(value) -> bool:
        if isinstance(value, dict):
            return all(plain(item) for item in value.values())
        if isinstance(value, list):
            return all(plain(item) for item in value)
        return type(value).__module__ in ("builtins", "datetime")

    assert plain(context)
    assert context["citizen"]["full_name"] == "Anna Peeters"
    assert context["appointment"]["time"] == "13:00"
    assert context["appointment"]["date"] == "mardi 5 janvier 2027"
    assert context["manage_url"].startswith("http://")


@pytest.mark.django_db
def test_the_booking_link_books_the_same_service_and_reason_again(client):
    """The cancellation's and refusal's "book again" link (issue 20, point 7)
    opens the times of the same reason, not the home page."""
    appointment = AppointmentFactory(
        start=local(TUESDAY, 13), end=local(TUESDAY, 13, 15)
    )
    url = appointment_context(appointment, language="fr")["booking_url"]
    service, reason = appointment.service, appointment.reason
    assert url.endswith(f"/{service.slug}/{reason.pk}/")
    response = client.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    assert response.url == f"/{service.slug}/slots/"
