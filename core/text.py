"""Free text as the actions take it: stripped, and refused (not cut) when longer than its limit, so
what a person wrote is never stored half. The forms state and check the same limits first."""

from core.errors import ActionError


def bounded(value, limit, *, field="", label="Texten"):
    """`value` stripped; an ActionError on `field` when it is longer than `limit` characters."""
    text = str(value or "").strip()
    if len(text) > limit:
        raise ActionError(f"{label} får vara högst {limit} tecken (nu {len(text)}).", field=field)
    return text
