"""Words the console shows that come from data (roles), marked for the translation catalogues."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "viewer": _l("viewer"),
    "officer": _l("officer"),
    "pilot": _l("pilot"),
    "admin": _l("admin"),
}
