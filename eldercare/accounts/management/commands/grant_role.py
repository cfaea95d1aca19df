import secrets

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError

from eldercare.accounts.models import Role
from eldercare.accounts.services import role_grant
from eldercare.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update a user and give it a role over its scope (an area, a province, a township or a provider)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--area", help="Division code of the pilot area (district officials).")
        parser.add_argument("--province", help="Division code of the province (provincial officials).")
        parser.add_argument("--provider", help="Unified social credit code of the provider (provider roles).")
        parser.add_argument("--township", help="9-digit code of the township, 街道/乡镇 (street officials).")
        parser.add_argument("--password", help="New password; a new user without one gets a generated password.")
        parser.add_argument(
            "--reason", required=True, help="Why the role changes (e.g. the appointment letter); kept in the audit log."
        )

    def handle(self, *args, **options):
        username, password = options["username"], options["password"]
        generated = None
        if not password and not get_user_model().objects.filter(username=username.strip()).exists():
            generated = password = secrets.token_urlsafe(12)
        try:
            assignment = role_grant(
                username=username,
                role=options["role"],
                area_code=options["area"],
                province_code=options["province"],
                provider_credit_code=options["provider"],
                township_code=options["township"],
                password=password,
                reason=options["reason"],
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        scope = assignment.area or assignment.province or assignment.provider or assignment.township
        where = f" · {scope}" if scope else ""
        self.stdout.write(self.style.SUCCESS(f"{assignment.user.username}: {assignment.get_role_display()}{where}"))
        if generated:
            self.stdout.write(f"Generated password (shown only now): {generated}")
