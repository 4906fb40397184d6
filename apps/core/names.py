"""People's names as a message addresses them."""


def given_name(full_name: str) -> str:
    """The name to greet someone by, with no more personal data than that.

    Korean names are written family name first with no space (김민지 → 민지); others are taken
    as written, first word first.
    """
    name = full_name.strip()
    if not name:
        return ""
    if " " in name:
        return name.split()[0]
    is_hangul = all("\uac00" <= ch <= "\ud7a3" for ch in name)
    return name[1:] if is_hangul and len(name) >= 2 else name
