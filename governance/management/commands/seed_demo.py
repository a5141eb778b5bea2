"""Fill an empty database with the demo city (run by `make run`)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities import demo as communities_demo
from communities.models import Community
from needs import demo as needs_demo
from projects import demo as projects_demo


class Command(BaseCommand):
    help = "Seed the demo data: Taicang's towns, 162 communities, alliances, needs and needs lists, demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds communities.",
        )

    def handle(self, *args, if_empty=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DJANGO_DEBUG off: demo accounts with a known "
                "password must never reach a production database."
            )
        if Community.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds data; demo data not seeded.")
                self._print_accounts()
                return
            raise CommandError("The database already holds communities; seed_demo needs an empty one.")
        with transaction.atomic():
            users = communities_demo.seed_registry(stdout=self.stdout)
            needs_demo.seed_needs(users=users, stdout=self.stdout)
            projects_demo.seed_projects(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data seeded."))
        self._print_accounts()

    def _print_accounts(self):
        self.stdout.write(
            "Demo accounts (password %s): city_admin, town_staff (城厢镇), "
            "community_worker (a community of 城厢镇), viewer" % communities_demo.DEMO_PASSWORD
        )
