from django.contrib.auth import get_user_model
from django.core.management import BaseCommand

from eldercare.accounts.models import Role
from eldercare.accounts.services import role_grant
from eldercare.areas.models import PilotArea, Township
from eldercare.providers.models import Provider

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "eldercare-admin"  # documented in the README; demo only
DEMO_PASSWORD = "eldercare-demo"  # documented in the README; demo only
DEMO_AREA_CODE = "110114"  # 北京市昌平区, the one area named in the seed article
DEMO_TOWNSHIP_CODE = "110114001"  # 城北街道 of 昌平区, where the demo world puts its applications


class Command(BaseCommand):
    help = (
        f"Create the demo superuser '{ADMIN_USERNAME}' and a few demo users (official, street, national, auditor, "
        "provider) if they are missing; existing users are left as they are. For local demos only."
    )

    def handle(self, *args, **options):
        users = get_user_model().objects
        created = []

        def grant(username: str, role: str, password: str, **scope) -> None:
            if users.filter(username=username).exists():
                return
            role_grant(username=username, role=role, password=password, **scope)
            created.append(f"{username} ({Role(role).label})")

        grant(ADMIN_USERNAME, Role.ADMIN, ADMIN_PASSWORD)
        grant("national", Role.NATIONAL_OFFICIAL, DEMO_PASSWORD)
        grant("auditor", Role.AUDITOR, DEMO_PASSWORD)
        if PilotArea.objects.filter(region__code=DEMO_AREA_CODE).exists():
            grant("official", Role.DISTRICT_OFFICIAL, DEMO_PASSWORD, area_code=DEMO_AREA_CODE)
        if Township.objects.filter(code=DEMO_TOWNSHIP_CODE).exists():
            grant("street", Role.STREET_OFFICIAL, DEMO_PASSWORD, township_code=DEMO_TOWNSHIP_CODE)
        provider = (
            Provider.objects.filter(is_demo=True, areas__region__code=DEMO_AREA_CODE, offers_home_visits=True)
            .order_by("pk")
            .first()
        )
        if provider is not None:
            grant("provider", Role.PROVIDER_STAFF, DEMO_PASSWORD, provider_credit_code=provider.credit_code)
        if options["verbosity"]:
            if created:
                self.stdout.write(self.style.SUCCESS("Created demo users: " + ", ".join(created)))
            else:
                self.stdout.write("Demo users already exist.")
