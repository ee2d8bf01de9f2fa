"""``manage.py partner_key NAME``: issue an API key for a partner system, creating the partner
when none is called NAME. The key is printed once, alone on the last line of standard output
(``KEY=$(python manage.py partner_key "GORE Piura")``); what was done is said on standard
error, in the project's language."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from businesses.partners import partner_api_key_issue, partner_create, partner_find
from core.templatetags.asesor_format import local_datetime


class Command(BaseCommand):
    help = (
        "Issue an API key for a partner system (by name or API user name), creating the "
        "partner if none has that name; the key is printed once, alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner's name, or its API user's name.")
        parser.add_argument(
            "--key-name", default="manage.py partner_key", help="What the key is for."
        )

    def handle(self, *args, name, key_name, **options):
        name = " ".join(name.split())
        if not name:
            raise CommandError(_("Give the partner system's name."))
        with transaction.atomic():
            partner = partner_find(name=name)
            if partner is None:
                partner = partner_create(name=name)
                self.stderr.write(
                    _(
                        "Partner system “%(name)s” created (API user %(user)s). It sees the "
                        "businesses it registers through the API; data stewards grant it "
                        "others in the admin."
                    )
                    % {"name": partner.name, "user": partner.user.username}
                )
            elif not (partner.active and partner.user.is_active):
                raise CommandError(
                    _("Partner system “%(name)s” is inactive: activate it in the admin first.")
                    % {"name": partner.name}
                )
            api_key, raw = partner_api_key_issue(partner=partner, name=key_name)
        self.stderr.write(
            _(
                "API key of “%(name)s” (prefix %(prefix)s, expires %(expires)s). It is stored "
                "hashed and shown only now: send it as the header “Authorization: Api-Key "
                "<key>”."
            )
            % {
                "name": partner.name,
                "prefix": api_key.prefix,
                "expires": local_datetime(api_key.expiry_date),
            }
        )
        self.stdout.write(raw)
