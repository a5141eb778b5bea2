"""Checks on progress-update attachments: a photo (JPEG, PNG) or a PDF, 10 MB at most,
and really what its name says (the first bytes are read, not the name trusted)."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF-",),
}


def check_attachment(upload) -> None:
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError({"attachment": _("Attach a photo (.jpg, .png) or a PDF document.")})
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachment": _("The attachment is larger than 10 MB.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[suffix]):
        raise ValidationError(
            {
                "attachment": _("The file is not the %(kind)s its name says it is.")
                % {"kind": suffix.lstrip(".").upper()}
            }
        )
