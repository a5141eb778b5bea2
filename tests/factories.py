"""factory_boy factories for the registry."""

import factory
from django.contrib.auth import get_user_model

from communities.models import (
    Alliance,
    CoBuildingUnit,
    Community,
    CommunityType,
    Membership,
    Role,
    Town,
)


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town

    code = factory.Sequence(lambda n: f"{320585500 + n:09d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    kind = Town.Kind.TOWN


def community_type(code="commercial_housing") -> CommunityType:
    """The fixture-loaded type with this code."""
    return CommunityType.objects.get(code=code)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    town = factory.SubFactory(TownFactory)
    type = factory.LazyFunction(community_type)
    code = factory.Sequence(lambda n: f"{320585900000 + n:012d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    households = 1200
    population = 3300
    has_party_committee = True


class CoBuildingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoBuildingUnit

    name = factory.Sequence(lambda n: f"共建单位{n}")
    kind = CoBuildingUnit.Kind.PRIVATE_ENTERPRISE


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    community = factory.SubFactory(CommunityFactory)
    unit = factory.SubFactory(CoBuildingUnitFactory)
    since = factory.Faker("date_between", start_date="-3y", end_date="-1d")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, *, town=None, community=None, username=None):
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.create(user=user, role=role, town=town, community=community)
    return user


__all__ = [
    "AllianceFactory",
    "CoBuildingUnitFactory",
    "CommunityFactory",
    "Role",
    "TownFactory",
    "UserFactory",
    "community_type",
    "user_with_role",
]
