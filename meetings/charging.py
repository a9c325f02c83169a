"""The seam between a visit and its fee. A held, missed or late-cancelled visit is charged by the
fees app, which depends on meetings (a charge is for a booking); meetings must not import it back.
So the fees app registers its charging function here at start-up (`fees/apps.py`), the way apps
register their kinds of care relation with `core.access`, and the booking actions call
`charge_booking` inside their own transaction, so the charge and the outcome commit together."""

from django.core.exceptions import ImproperlyConfigured

_charger = None


def register_charger(charge):
    """`charge(booking, region) -> PatientCharge`: stores and returns the visit's charge."""
    global _charger
    _charger = charge


def charge_booking(booking, region):
    if _charger is None:
        raise ImproperlyConfigured("No fee app has registered a charger: add 'fees' to INSTALLED_APPS.")
    return _charger(booking, region)
