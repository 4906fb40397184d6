"""What customers send besides words: attachments and delivery-change requests; and tickets
filed without a verified parcel, confirmed by a one-time email link."""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.core.tokens import token_generate, token_hash
from apps.shipments.models import Shipment
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.services import customer_get_or_create
from apps.tickets.errors import AttachmentRefused, DeliveryChangeInvalid, DraftInvalid
from apps.tickets.models import (
    Attachment,
    DeliveryChangeKind,
    DeliveryChangeRequest,
    DeliveryChangeStatus,
    Message,
    Ticket,
    TicketDraft,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from apps.tickets.services.ticket import ticket_open, ticket_transition
from apps.tickets.telling import draft_tell

# What a file's first bytes must be; the browser's stated type and the name are not trusted.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
)
MAX_ATTACHMENTS = 5
DRAFT_VALID = timedelta(hours=24)


def _sniff(upload: UploadedFile) -> tuple[str, str] | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def attachments_validate(*, uploads: list[UploadedFile]) -> list[tuple[UploadedFile, str, str]]:
    """Check every file before anything is written: count, size, and real type."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise AttachmentRefused(f"At most {MAX_ATTACHMENTS} files per message.")
    limit = settings.DELAYDESK["ATTACHMENT_MAX_BYTES"]
    checked = []
    for upload in uploads:
        if upload.size > limit:
            raise AttachmentRefused(
                f"'{upload.name[:60]}' is larger than {limit // (1024 * 1024)} MB."
            )
        kind = _sniff(upload)
        if kind is None:
            raise AttachmentRefused(
                f"'{upload.name[:60]}' is not an image (PNG, JPEG, GIF, WebP) or a PDF."
            )
        checked.append((upload, *kind))
    return checked


def attachments_add(*, message: Message, checked: list, now: datetime | None = None) -> list:
    """Store validated files under random names; runs inside the message's transaction."""
    now = now or timezone.now()
    stored = []
    for upload, content_type, extension in checked:
        attachment = Attachment(
            message=message,
            stored_name=f"{secrets.token_hex(16)}.{extension}",
            original_name=upload.name[-200:],
            content_type=content_type,
            size=upload.size,
            created_at=now,
        )
        attachment.file.save(attachment.stored_name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    if stored:
        TicketEvent.objects.create(
            ticket_id=message.ticket_id,
            kind=TicketEventKind.ATTACHMENT_ADDED,
            note=", ".join(a.original_name for a in stored)[:500],
            created_at=now,
        )
    return stored


@transaction.atomic
def delivery_change_request(
    *,
    ticket: Ticket,
    kind: str,
    preferred_date: date | None = None,
    time_slot: str = "",
    place: str = "",
    note: str = "",
    now: datetime | None = None,
) -> DeliveryChangeRequest:
    """Record what the customer wants of the next delivery, for an agent to arrange."""
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status == TicketStatus.CLOSED:
        raise DeliveryChangeInvalid("This request is closed.", field="kind")
    if kind not in DeliveryChangeKind.values:
        raise DeliveryChangeInvalid("Choose what should change.", field="kind")
    if kind == DeliveryChangeKind.NEW_DATE:
        if preferred_date is None:
            raise DeliveryChangeInvalid("Choose a day.", field="preferred_date")
        if preferred_date <= timezone.localdate(now):
            raise DeliveryChangeInvalid("Choose a day after today.", field="preferred_date")
    if kind == DeliveryChangeKind.NEW_SLOT and not time_slot.strip():
        raise DeliveryChangeInvalid("Choose a time of day.", field="time_slot")
    if (
        kind
        in (
            DeliveryChangeKind.PICKUP_POINT,
            DeliveryChangeKind.NEIGHBOUR,
            DeliveryChangeKind.SAFE_PLACE,
        )
        and not place.strip()
    ):
        raise DeliveryChangeInvalid("Say where.", field="place")
    change = DeliveryChangeRequest.objects.create(
        ticket=locked,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot.strip()[:20],
        place=place.strip()[:200],
        note=note.strip()[:500],
        created_at=now,
    )
    TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEventKind.DELIVERY_CHANGE,
        to_value=kind,
        note=str(change)[:500],
        created_at=now,
    )
    if locked.status == TicketStatus.RESOLVED:
        # Asking for something after resolution reopens, within the customer's window only.
        ticket_transition(
            ticket=locked,
            to_status=TicketStatus.OPEN,
            by_customer=True,
            now=now,
            note="delivery change requested",
        )
    elif locked.status == TicketStatus.PENDING_CUSTOMER:
        ticket_transition(
            ticket=locked,
            to_status=TicketStatus.OPEN,
            quiet=True,
            now=now,
            note="delivery change requested",
        )
    return change


@transaction.atomic
def ticket_draft_create(
    *,
    email: str,
    name: str,
    language: str,
    category: str,
    body: str,
    tracking_number: str = "",
    now: datetime | None = None,
) -> TicketDraft:
    """Keep the request until the customer confirms their email by the link we send them."""
    now = now or timezone.now()
    draft = TicketDraft.objects.create(
        email=email.strip().lower(),
        name=name.strip()[:120],
        language=language,
        category=category,
        tracking_number=tracking_number_clean(tracking_number)[:64],
        body=body.strip(),
        token_hash=token_hash(token_generate()),  # replaced by the link the email carries
        expires_at=now + DRAFT_VALID,
        created_at=now,
    )
    draft_tell(draft=draft, now=now)
    return draft


@transaction.atomic
def ticket_draft_confirm(*, token: str, now: datetime | None = None) -> tuple[Ticket, str]:
    """Open the ticket of a confirmed draft, once; returns it with its private link's token.

    The link works once and for DRAFT_VALID; a parcel is attached only if its number and the
    confirmed email belong together.
    """
    now = now or timezone.now()
    draft = (
        TicketDraft.objects.select_for_update()
        .filter(token_hash=token_hash(token or ""), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if draft is None:
        raise DraftInvalid()
    customer = customer_get_or_create(
        name=draft.name, email=draft.email, phone="", language=draft.language, channel="email"
    )
    shipment = None
    if draft.tracking_number:
        shipment = (
            Shipment.objects.filter(
                tracking_number=draft.tracking_number, customer__email__iexact=draft.email
            )
            .order_by("-created_at")
            .first()
        )
    subject = draft.body.splitlines()[0][:120] if draft.body else draft.get_category_display()
    ticket, raw = ticket_open(
        customer=shipment.customer if shipment else customer,
        shipment=shipment,
        category=draft.category,
        subject=subject,
        body=draft.body,
        language=draft.language,
        now=now,
    )
    draft.used_at = now
    draft.ticket = ticket
    draft.save(update_fields=["used_at", "ticket"])
    return ticket, raw


@transaction.atomic
def delivery_change_decide(
    *, change: DeliveryChangeRequest, status: str, actor=None, now: datetime | None = None
) -> DeliveryChangeRequest:
    """Mark a requested delivery change arranged or not possible, once, on the timeline."""
    now = now or timezone.now()
    locked = DeliveryChangeRequest.objects.select_for_update().get(pk=change.pk)
    if status not in (DeliveryChangeStatus.ARRANGED, DeliveryChangeStatus.DECLINED):
        raise DeliveryChangeInvalid("Choose arranged or not possible.", field="status")
    if locked.status != DeliveryChangeStatus.REQUESTED:
        raise DeliveryChangeInvalid("This request was already decided.", field="status")
    locked.status = status
    locked.save(update_fields=["status"])
    TicketEvent.objects.create(
        ticket_id=locked.ticket_id,
        kind=TicketEventKind.DELIVERY_CHANGE,
        actor=actor,
        from_value=DeliveryChangeStatus.REQUESTED,
        to_value=status,
        note=str(locked)[:500],
        created_at=now,
    )
    return locked
