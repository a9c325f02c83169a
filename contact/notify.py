"""Notifications to residents: e-mail through Django's mail backend, and SMS through a pluggable
sender (settings.CONTACT_SMS_SENDER, a dotted path to `send(number, text)`; none configured means
no SMS) to each resident who gave a mobile number on Mina sidor (contact.models.NoticeSettings).
The text never carries health information: only that something happened and where to read it."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

TEXTS = {
    "received": "Vi har tagit emot ditt ärende.",
    "answered": "Du har fått svar i ditt ärende.",
    "message": "Du har fått ett nytt meddelande i ditt ärende.",
    "booked": "En tid har bokats åt dig.",
    "video": "Vården vill ha ett videosamtal med dig nu.",
    "closed": "Ditt ärende är avslutat.",
    "reminder": "Vården väntar på ditt svar i ditt ärende.",
}


def _people(matter):
    """The filer (resident, while they may still act for the patient) and the patient's own
    account, once each; never staff or systems."""
    from contact.permissions import representation_of

    people = []
    if matter.filed_by.patient_id is not None and representation_of(matter.filed_by, matter.patient) is not None:
        people.append(matter.filed_by)
    account = getattr(matter.patient, "resident_account", None)
    if account is not None and all(account.pk != p.pk for p in people):
        people.append(account)
    return [p for p in people if p.is_active]


def message_text(kind):
    return (f"{TEXTS.get(kind, 'Det har hänt något i ditt ärende.')}\n\n"
            "Logga in på Mina sidor i Samverkan och välj Kontakta vården för att läsa mer.\n"
            "Svara inte på det här meddelandet.")


def tell_resident(matter, kind):
    """Mail and, where a sender is configured, SMS to each person to tell. Returns how many were told."""
    from contact.models import NoticeSettings

    people = _people(matter)
    sender = getattr(settings, "CONTACT_SMS_SENDER", "")
    numbers = dict(NoticeSettings.objects.filter(user__in=people).exclude(mobile_number="")
                   .values_list("user_id", "mobile_number")) if sender else {}
    told = 0
    for person in people:
        if person.email:
            send_mail("Nytt i ditt ärende", message_text(kind), None, [person.email], fail_silently=True)
        if person.pk in numbers:
            import_string(sender)(numbers[person.pk], sms_text(kind))
        told += bool(person.email or person.pk in numbers)
    return told


def sms_text(kind):
    return TEXTS.get(kind, "Det har hänt något i ditt ärende.") + " Logga in på Mina sidor i Samverkan."
