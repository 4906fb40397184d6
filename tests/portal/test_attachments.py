"""Files sent with a reply: images and PDF by their content, within limits, all or nothing; served
back only as downloads, to the ticket's link or to staff with the permission."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from apps.tickets.models import Attachment, Message, MessageAuthor, TicketEvent
from apps.tickets.services import attachments_add, attachments_validate
from tests.factories import MessageFactory, TicketFactory, token_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HOSTILE_NAMES = ["<script>alert(1)</script>.png", '"><img src=x onerror=alert(1)>.png']


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ticket(customer):
    return TicketFactory(customer=customer)


def _file(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _reply(client, ticket, files, body="Photos of the box."):
    return client.post(
        f"/t/{token_for(ticket.reference)}/reply/", {"body": body, "attachments": files}
    )


def _stored(ticket, name="box.png", content=PNG, internal=False, agent=None) -> Attachment:
    if internal:
        message = MessageFactory(
            ticket=ticket, author_kind=MessageAuthor.AGENT, author=agent, is_internal=True
        )
    else:
        message = MessageFactory(ticket=ticket)
    (attachment,) = attachments_add(
        message=message, checked=attachments_validate(uploads=[_file(name, content)])
    )
    return attachment


def _download_url(ticket, attachment) -> str:
    return f"/t/{token_for(ticket.reference)}/files/{attachment.pk}/"


def _stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


# --- Uploads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_type"),
    [
        ("box.png", PNG, "image/png"),
        ("box.jpg", JPEG, "image/jpeg"),
        ("box.gif", GIF, "image/gif"),
        ("box.webp", WEBP, "image/webp"),
        ("receipt.pdf", PDF, "application/pdf"),
    ],
)
def test_images_and_pdf_are_stored_with_the_reply(client, ticket, name, content, stored_type):
    response = _reply(client, ticket, [_file(name, content, "application/octet-stream")])

    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.message == Message.objects.get(ticket=ticket)
    # The type comes from the file's first bytes, not from what the browser said
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        stored_type,
        len(content),
    )
    assert name not in attachment.file.name
    html = response.content.decode()
    assert f'href="{_download_url(ticket, attachment)}"' in html
    assert name in html


def test_several_files_go_with_one_reply(client, ticket):
    response = _reply(client, ticket, [_file("a.png", PNG), _file("b.pdf", PDF)])

    assert response.status_code == 200
    message = Message.objects.get()
    assert sorted(message.attachments.values_list("original_name", flat=True)) == [
        "a.png",
        "b.pdf",
    ]


def test_a_program_renamed_png_is_refused_by_its_content(client, ticket, _media_in_tmp):
    response = _reply(client, ticket, [_file("photo.png", EXE, "image/png")])

    assert response.status_code == 400
    html = response.content.decode()
    assert "“photo.png” is not a photo (PNG, JPEG, GIF, WebP) or a PDF." in html
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files(_media_in_tmp) == []


def test_a_file_over_the_size_limit_is_refused(client, ticket, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "ATTACHMENT_MAX_BYTES": 1024}

    response = _reply(client, ticket, [_file("big.png", PNG + b"\x00" * 1024)])

    assert response.status_code == 400
    assert "“big.png” is larger than 1.0\xa0KB." in response.content.decode()
    assert not Message.objects.exists()


def test_a_file_at_the_size_limit_is_accepted(client, ticket, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "ATTACHMENT_MAX_BYTES": len(PNG)}

    response = _reply(client, ticket, [_file("exact.png", PNG)])

    assert response.status_code == 200
    assert Attachment.objects.count() == 1


def test_too_many_files_are_refused(client, ticket):
    files = [_file(f"{n}.png", PNG) for n in range(6)]

    response = _reply(client, ticket, files)

    assert response.status_code == 400
    assert "Please send at most 5 files at a time." in response.content.decode()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()


def test_nothing_is_half_written_when_one_file_of_several_is_refused(client, ticket, _media_in_tmp):
    files = [_file("a.png", PNG), _file("b.pdf", PDF), _file("c.png", EXE)]

    response = _reply(client, ticket, files)

    assert response.status_code == 400
    assert "“c.png”" in response.content.decode()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not TicketEvent.objects.exists()
    assert _stored_files(_media_in_tmp) == []


def test_the_refused_reply_keeps_what_was_typed(client, ticket):
    response = _reply(client, ticket, [_file("c.png", EXE)], body="Here is the damage.")

    assert "Here is the damage.</textarea>" in response.content.decode()


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["script", "attribute-break"])
def test_hostile_file_names_are_shown_escaped(client, ticket, name):
    accepted = _reply(client, ticket, [_file(name, PNG)]).content.decode()
    refused = _reply(client, ticket, [_file(name, EXE)]).content.decode()

    # Django keeps what follows the last "/" of an uploaded name: "script>.png" for the first
    stored = Attachment.objects.get().original_name
    assert stored == name.rsplit("/", 1)[-1]
    for html in (accepted, refused):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert escape(stored) in html


# --- Downloads by the customer's link -----------------------------------------------------------


def test_a_file_downloads_with_safe_headers(client, ticket):
    attachment = _stored(ticket, name="box.png", content=PNG)

    response = client.get(_download_url(ticket, attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="box.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG


def test_a_pdf_downloads_and_is_never_shown_inline(client, ticket):
    attachment = _stored(ticket, name="receipt.pdf", content=PDF)

    response = client.get(_download_url(ticket, attachment))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_hostile_file_name_cannot_break_the_download_header(client, ticket):
    attachment = _stored(ticket, name='a"; filename="evil.html\r\nX: y.png')

    response = client.get(_download_url(ticket, attachment))

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert '"evil.html' not in disposition
    assert "\n" not in disposition


def test_another_tickets_file_is_404_with_this_tickets_link(client, ticket):
    other = TicketFactory()
    theirs = _stored(other)

    response = client.get(_download_url(ticket, theirs))

    assert response.status_code == 404
    assert "This link does not open anything" in response.content.decode()


def test_a_file_of_an_internal_note_is_404_for_the_customer(client, ticket, agent):
    internal = _stored(ticket, internal=True, agent=agent)

    assert client.get(_download_url(ticket, internal)).status_code == 404


@pytest.mark.parametrize("case", ["wrong", "revoked", "expired"])
def test_a_file_with_a_dead_link_is_404(client, ticket, case):
    attachment = _stored(ticket)
    url = _download_url(ticket, attachment)
    if case == "wrong":
        url = f"/t/not-the-token/files/{attachment.pk}/"
    elif case == "revoked":
        type(ticket).objects.filter(pk=ticket.pk).update(token_revoked_at=timezone.now())
    else:
        type(ticket).objects.filter(pk=ticket.pk).update(
            token_expires_at=timezone.now() - timedelta(seconds=1)
        )

    response = client.get(url)

    assert response.status_code == 404
    assert "This link does not open anything" in response.content.decode()


def test_a_file_missing_from_storage_is_404(client, ticket):
    attachment = _stored(ticket)
    attachment.file.delete(save=False)

    assert client.get(_download_url(ticket, attachment)).status_code == 404


# --- Downloads by staff --------------------------------------------------------------------------


def _staff_url(attachment) -> str:
    return f"/desk-files/attachments/{attachment.pk}/"


def test_staff_downloads_need_a_sign_in(ticket):
    attachment = _stored(ticket)

    response = Client().get(_staff_url(attachment))

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_staff_without_the_permission_are_refused(client, ticket, stranger):
    attachment = _stored(ticket)
    client.force_login(stranger)

    assert client.get(_staff_url(attachment)).status_code == 403


def test_an_agent_downloads_any_file_with_safe_headers(client, ticket, agent):
    internal = _stored(ticket, name="label.pdf", content=PDF, internal=True, agent=agent)
    client.force_login(agent)

    response = client.get(_staff_url(internal))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="label.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_an_agent_gets_404_for_a_file_that_does_not_exist(client, agent):
    client.force_login(agent)

    assert client.get("/desk-files/attachments/999999/").status_code == 404
