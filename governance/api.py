"""The API's shared parts and its router (/api/v1/)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from communities.api import CommunityTypeViewSet, CommunityViewSet, TownViewSet
from needs.api import NeedsListViewSet, NeedViewSet, ProblemCategoryViewSet, SurveyViewSet
from projects.api import ProjectViewSet, ResourceCategoryViewSet, ResourceViewSet


class ObtainToken(APIView):
    """Exchange a username and password for an API token (``Authorization: Token …``)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            return Response(
                {"detail": _("Wrong username or password, or the account is locked or disabled.")},
                status=400,
            )
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class Router(DefaultRouter):
    """The API's router, with Django's path converters. An id in a path is ASCII
    digits (``<int:pk>``): with a free-text pattern, Django reads "٣" or "３" as 3,
    which gave a record a second address. No ".json" suffixes: JSON is the only format."""

    include_format_suffixes = False

    def __init__(self):
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", "pk") == "pk" and not hasattr(viewset, "lookup_value_converter"):
            return "<int:%spk>" % lookup_prefix
        return super().get_lookup_regex(viewset, lookup_prefix)


router = Router()
router.register("towns", TownViewSet, basename="town")
router.register("community-types", CommunityTypeViewSet, basename="community-type")
router.register("communities", CommunityViewSet, basename="community")
router.register("problem-categories", ProblemCategoryViewSet, basename="problem-category")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("needs", NeedViewSet, basename="need")
router.register("needs-lists", NeedsListViewSet, basename="needs-list")
router.register("resource-categories", ResourceCategoryViewSet, basename="resource-category")
router.register("resources", ResourceViewSet, basename="resource")
router.register("projects", ProjectViewSet, basename="project")
