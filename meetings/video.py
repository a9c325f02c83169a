"""Video rooms. A provider makes an unguessable room name per visit and the address a participant
joins it at; which provider is used is a setting, so a region can point Samverkan at its own
service (Inera's video service, a Teams or SIP bridge) by writing a small class like `JitsiMeet`:

    class MyProvider:
        name = "Min videotjänst"
        def new_room(self) -> str: ...              # random, never patient data
        def join_url(self, room, *, display_name, moderator, valid_until) -> str: ...

and setting VIDEO_PROVIDER = "mypackage.video.MyProvider". The join page of Samverkan decides who
may join and when; the provider only makes rooms and addresses.
"""

import secrets
from datetime import timezone as dt_timezone
from urllib.parse import quote, urlsplit

import jwt
from django.conf import settings
from django.utils.module_loading import import_string


class JitsiMeet:
    """Jitsi Meet at VIDEO_BASE_URL. With VIDEO_JWT_APP_ID and VIDEO_JWT_SECRET set (a server with
    token authentication), every address carries a signed token for that room only, valid until
    the visit closes."""

    name = "Jitsi Meet"

    def __init__(self, base_url=None, app_id=None, secret=None):
        self.base_url = (base_url or settings.VIDEO_BASE_URL).rstrip("/")
        self.app_id = app_id if app_id is not None else settings.VIDEO_JWT_APP_ID
        self.secret = secret if secret is not None else settings.VIDEO_JWT_SECRET

    def new_room(self):
        # 128 bits of randomness; letters and digits only, so it survives any URL handling.
        return "samverkan" + secrets.token_hex(16)

    def join_url(self, room, *, display_name, moderator, valid_until):
        url = f"{self.base_url}/{room}"
        if self.app_id and self.secret:
            claims = {
                "aud": "jitsi", "iss": self.app_id, "sub": urlsplit(self.base_url).hostname, "room": room,
                "exp": int(valid_until.astimezone(dt_timezone.utc).timestamp()),
                "context": {"user": {"name": display_name, "moderator": moderator}},
            }
            url += "?jwt=" + jwt.encode(claims, self.secret, algorithm="HS256")
        return url + "#userInfo.displayName=" + quote(f'"{display_name}"')


def provider():
    return import_string(settings.VIDEO_PROVIDER)()
