"""SMS lengths, phone numbers and the Twilio backend (messaging/sms.py)."""

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from messaging.sms import (
    Sms,
    SmsError,
    TwilioBackend,
    is_mobile,
    normalise_phone,
    sms_segments,
)

from .stub_provider import StubProvider

CASES = [
    ("", ("GSM-7", 0, 0)),
    ("a" * 160, ("GSM-7", 160, 1)),
    ("a" * 161, ("GSM-7", 161, 2)),
    ("a" * 306, ("GSM-7", 306, 2)),
    ("a" * 307, ("GSM-7", 307, 3)),
    ("Déjà vu à Liège, à 10:30 ÄÖÜß", ("GSM-7", 29, 1)),
    ("€" * 80, ("GSM-7", 160, 1)),
    ("€" * 81, ("GSM-7", 162, 2)),
    # 152 plain characters then an escape pair, which may not be split: it
    # opens the second part, so 306 units take three parts, not two.
    ("a" * 152 + "€" + "a" * 152, ("GSM-7", 306, 3)),
    ("a" * 151 + "€" + "a" * 153, ("GSM-7", 306, 2)),
    ("ê" * 70, ("UCS-2", 70, 1)),
    ("ê" * 71, ("UCS-2", 71, 2)),
    ("Être" + "a" * 130, ("UCS-2", 134, 2)),
    ("a" * 135, ("GSM-7", 135, 1)),
    ("😀" * 35, ("UCS-2", 70, 1)),
    ("a" * 66 + "😀" + "a" * 10, ("UCS-2", 78, 2)),
    ("’" * 134, ("UCS-2", 134, 2)),
    ("’" * 135, ("UCS-2", 135, 3)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_sms_segments_counts_as_the_network_does(text, expected):
    assert sms_segments(text) == expected


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_editors_live_counter_computes_the_same_as_python():
    script = Path("messaging/static/messaging/sms-counter.js").read_text()
    texts = [text for text, _expected in CASES]
    program = (
        "const window = {}; const document = {addEventListener() {}};\n"
        + script
        + "\nconst texts = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(texts.map((t) => {"
        " const c = window.rendezVousSmsSegments(t);"
        " return [c.encoding, c.chars, c.segments]; })));"
    )
    output = subprocess.run(  # noqa: S603 - a fixed program, our own input
        ["node", "-e", program, json.dumps(texts)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert [tuple(row) for row in json.loads(output)] == [
        expected for _text, expected in CASES
    ]


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0470 12 34 56", "+32470123456"),
        ("+32 470/12.34.56", "+32470123456"),
        ("0032470123456", "+32470123456"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed, e164):
    assert normalise_phone(typed) == e164


def test_a_bad_number_is_an_sms_error():
    with pytest.raises(SmsError, match="not a valid phone number"):
        normalise_phone("0470")


def test_only_mobile_numbers_receive_sms():
    assert is_mobile("0470 12 34 56")
    assert not is_mobile("02 511 11 11")  # a Brussels landline
    assert not is_mobile("")


@pytest.fixture
def stub(settings):
    server = StubProvider([])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.TWILIO_API_URL = server.url + "/"
    settings.TWILIO_ACCOUNT_SID = "AC42"
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    yield server
    server.shutdown()
    server.server_close()


def test_twilio_backend_posts_the_form_twilio_documents(stub):
    provider_id = TwilioBackend().send(
        Sms(to="+32470123456", body="Bonjour & à demain", sender="Commune")
    )

    [request] = stub.requests
    assert provider_id == f"SM{1:032d}"
    assert request["path"] == "/2010-04-01/Accounts/AC42/Messages.json"
    assert request["form"] == {
        "To": "+32470123456",
        "From": "Commune",
        "Body": "Bonjour & à demain",
    }
    assert request["authorization"] == "Basic QUM0Mjp0b2tlbg=="  # AC42:token


def test_twilio_backend_may_send_through_a_messaging_service(stub, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG1"

    TwilioBackend().send(Sms(to="+32470123456", body="x", sender="Commune"))

    assert stub.requests[0]["form"]["MessagingServiceSid"] == "MG1"
    assert "From" not in stub.requests[0]["form"]


def test_twilio_refusals_and_unreachable_servers_are_sms_errors(stub, settings):
    stub.statuses = [400]
    with pytest.raises(SmsError, match=r"HTTP 400 \(21211\): The 'To' number"):
        TwilioBackend().send(Sms(to="+32470123456", body="x"))

    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # discard port: refused
    with pytest.raises(SmsError):
        TwilioBackend().send(Sms(to="+32470123456", body="x"))


def test_twilio_without_credentials_says_so(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(SmsError, match="TWILIO_ACCOUNT_SID"):
        TwilioBackend().send(Sms(to="+32470123456", body="x"))
