from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from businesses.demo import (
    DEMO_PARTNER_USERNAME,
    DEMO_PASSWORD,
    demo_data_delete,
    demo_data_exists,
    demo_data_load,
    demo_partner_ensure,
    demo_programmes_english_ensure,
)
from core import roles


class Command(BaseCommand):
    help = "Load a synthetic panel of Peruvian MYPEs with its market data and demo users."

    def add_arguments(self, parser):
        parser.add_argument("--businesses", type=int, default=2000)
        parser.add_argument("--months", type=int, default=48)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--replace", action="store_true", help="Delete earlier demo data first."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if demo data is already loaded."
        )

    def handle(self, *args, businesses, months, seed, replace, if_empty, **options):
        if businesses < 1 or months < 13:
            raise CommandError(_("Use at least 1 business and 13 months."))
        if demo_data_exists():
            if if_empty:
                demo_partner_ensure()  # a demo loaded before the demo partner existed
                demo_programmes_english_ensure()  # ... or before its programmes' English texts
                self.stdout.write(_("Demo data already loaded; nothing to do."))
                return
            if not replace:
                raise CommandError(_("Demo data is already loaded: add --replace to reload it."))
            demo_data_delete()
        load = demo_data_load(businesses=businesses, months=months, seed=seed)
        self.stdout.write(
            _("Loaded %(b)d businesses, %(r)d monthly records, %(i)d indicator values in %(s)s s.")
            % {
                "b": load.businesses,
                "r": load.records,
                "i": load.indicators,
                "s": load.seconds["total"],
            }
        )
        self.stdout.write(_("Demo logins (password: %(p)s):") % {"p": DEMO_PASSWORD})
        for username, role in load.users:
            if role != roles.PARTNER:
                label = roles.ROLE_LABELS.get(role) or _("Superuser")
                self.stdout.write(f"  {username:<20} {label}")
        self.stdout.write(
            _(
                "Demo partner system (the API only): %(user)s; issue its API key with "
                "'python manage.py partner_key %(user)s'."
            )
            % {"user": DEMO_PARTNER_USERNAME}
        )
