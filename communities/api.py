"""REST API of the registry: towns, community types and communities."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from core.api import api_error
from core.lookups import RefSerializerField

from . import access, lookups, queries, services
from .filters import CommunityFilterSet
from .models import MIN_CO_BUILDING_UNITS, Community, CommunityType, Town


def _as_drf_error(exc):
    return api_error(exc)


class TownSerializer(serializers.ModelSerializer):
    class Meta:
        model = Town
        fields = ["id", "code", "name", "kind"]


class CommunityTypeSerializer(serializers.ModelSerializer):
    community_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CommunityType
        fields = ["code", "name", "name_en", "area", "goal", "goal_en", "community_count"]


class CommunitySerializer(serializers.ModelSerializer):
    town = RefSerializerField(
        lookups.TOWN, represent="code", queryset=lambda request: access.visible_towns(request.user)
    )
    town_name = serializers.CharField(source="town.name", read_only=True)
    type = serializers.SlugRelatedField(slug_field="code", queryset=CommunityType.objects.all())
    area = serializers.CharField(source="type.area", read_only=True)
    goal = serializers.CharField(source="type.goal", read_only=True)
    is_model = serializers.BooleanField(read_only=True)
    co_building_units = serializers.IntegerField(source="unit_count", read_only=True)
    too_few_units = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "town",
            "town_name",
            "type",
            "area",
            "goal",
            "households",
            "population",
            "area_km2",
            "living_pattern",
            "population_makeup",
            "economic_structure",
            "development_traits",
            "pilot_year",
            "pilot_level",
            "model_year",
            "is_model",
            "has_party_committee",
            "co_building_units",
            "too_few_units",
            "is_archived",
        ]
        read_only_fields = ["is_archived"]
        # Uniqueness is checked by the model's constraints in the service.
        validators = []

    def get_too_few_units(self, obj) -> bool:
        return getattr(obj, "unit_count", 0) < MIN_CO_BUILDING_UNITS

    def get_fields(self):
        fields = super().get_fields()
        for f in ("code", "name"):
            fields[f].validators = [v for v in fields[f].validators if not hasattr(v, "queryset")]
        return fields


class ReclassifySerializer(serializers.Serializer):
    type = serializers.SlugRelatedField(slug_field="code", queryset=CommunityType.objects.all())
    reason = serializers.CharField()
    expected_type = serializers.SlugRelatedField(
        slug_field="code", queryset=CommunityType.objects.all(), required=False
    )


class TownViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TownSerializer

    def get_queryset(self):
        return access.visible_towns(self.request.user).order_by("code")


class CommunityTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The eight community types, each with the number of active communities in your scope."""

    serializer_class = CommunityTypeSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return queries.types_with_counts(self.request.user)


class CommunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Communities in your scope. No DELETE: communities are archived, never deleted."""

    serializer_class = CommunitySerializer
    filterset_class = CommunityFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = queries.community_list(self.request.user)
        if self.action == "list" and "archived" not in self.request.query_params:
            qs = qs.filter(is_archived=False)
        if self.action == "list":
            # The default order; a valid ?ordering= replaces it, an empty one keeps it
            # (pages of an unordered list may repeat or skip rows).
            qs = qs.order_by("town__code", "code")
        return qs

    def _fresh(self, pk):
        return queries.community_list(self.request.user).select_related("town", "type").get(pk=pk)

    def create(self, request, *args, **kwargs):
        if not access.can_manage_registry(request.user):
            raise PermissionDenied(_("Only city administrators create communities."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            community = services.community_create(by=request.user, **serializer.validated_data)
        except Exception as exc:  # noqa: BLE001 - mapped to 400/403 or re-raised
            raise _as_drf_error(exc) from exc
        data = self.get_serializer(self._fresh(community.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        community = self.get_object()
        if not access.can_edit_profile(request.user, community):
            raise PermissionDenied(_("You may not change this community."))
        if "type" in request.data:
            raise ValidationError({"type": [_("Change the type through /reclassify/, with a reason.")]})
        # Refuse fields outside the role before validating them, so that town
        # staff asking to move a community learn it is not theirs to do (403).
        writable = {n for n, f in self.get_serializer().fields.items() if not f.read_only}
        forbidden = (set(request.data) & writable) - set(
            access.editable_profile_fields(request.user, community)
        )
        if forbidden:
            raise PermissionDenied(
                _("You may not change these fields: %(fields)s.")
                % {
                    "fields": ", ".join(
                        str(Community._meta.get_field(f).verbose_name) for f in sorted(forbidden)
                    )
                }
            )
        serializer = self.get_serializer(community, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        try:
            services.community_update(community=community, by=request.user, **changes)
        except Exception as exc:  # noqa: BLE001
            raise _as_drf_error(exc) from exc
        return Response(self.get_serializer(self._fresh(community.pk)).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=ReclassifySerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def reclassify(self, request, pk=None):
        """Move the community to another type; the reason is kept in its history."""
        community = self.get_object()
        if not access.can_manage_registry(request.user):
            raise PermissionDenied(_("Only city administrators reclassify communities."))
        serializer = ReclassifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.community_reclassify(
                community=community,
                to_type=serializer.validated_data["type"],
                reason=serializer.validated_data["reason"],
                expected_type=serializer.validated_data.get("expected_type"),
                by=request.user,
            )
        except services.ConflictError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            # The API calls the new type "type".
            if "to_type" in getattr(exc, "error_dict", {}):
                exc.error_dict["type"] = exc.error_dict.pop("to_type")
            raise api_error(exc) from exc
        except services.RegistryError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(self.get_serializer(self._fresh(community.pk)).data)

    @extend_schema(request=None, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the community (it stays readable; nothing is deleted)."""
        community = self.get_object()
        if not access.can_manage_registry(request.user):
            raise PermissionDenied(_("Only city administrators archive communities."))
        services.community_set_archived(community=community, archived=True, by=request.user)
        return Response(self.get_serializer(self._fresh(community.pk)).data)
