"""REST API for resources and governance projects."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from communities import access as community_access
from communities.api import api_error
from communities.models import Community
from needs.access import visible_needs
from needs.api import ScopedCommunityField
from needs.models import Need

from . import access, queries, services, workflow
from .filters import ProjectFilterSet, ResourceFilterSet
from .models import DecisionDay, ProgressUpdate, Project, ProjectEvent, Resource, ResourceCategory


def project_error(exc):
    """A project service's error as the API answers it (400, 403 or 409)."""
    return api_error(exc, conflicts=(services.ConflictError,), refusals=(services.ProjectError,))


class ResourceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceCategory
        fields = ["id", "code", "name", "name_en", "origin", "order"]


class ResourceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=ResourceCategory.objects.all())
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)
    community = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Resource
        fields = [
            "id", "name", "category", "provider", "level", "town", "community", "capacity",
            "capacity_amount", "capacity_unit", "contact", "is_active",
        ]  # fmt: skip


class ResourceLinkSerializer(serializers.Serializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all())
    committed_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    role = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ProjectSerializer(serializers.ModelSerializer):
    community = ScopedCommunityField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    needs = serializers.PrimaryKeyRelatedField(many=True, queryset=Need.objects.all())
    resources = ResourceLinkSerializer(many=True, required=False, write_only=True)
    resource_links = serializers.SerializerMethodField()
    need_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "community", "community_name", "year", "title", "summary", "needs", "need_count", "resources",
            "resource_links", "budget_total", "budget_city", "budget_town", "budget_community", "budget_charity",
            "budget_co_building", "planned_start", "planned_end", "beneficiaries", "state", "decision_day",
            "outcome", "satisfaction", "verdict", "verdict_note", "is_excellent", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "state", "decision_day", "outcome", "satisfaction", "verdict", "verdict_note", "is_excellent", "created_at",
        ]  # fmt: skip

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Ids outside the user's scope are unknown ids: their titles are not revealed.
            fields["needs"].child_relation.queryset = visible_needs(request.user)
            fields["resources"].child.fields["resource"].queryset = access.visible_resources(request.user)
        return fields

    def get_resource_links(self, project) -> list[dict]:
        return [
            {"resource": link.resource_id, "committed_amount": link.committed_amount, "role": link.role}
            for link in project.resource_links.all()
        ]


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected_state = serializers.ChoiceField(choices=Project.State.choices, required=False)
    decision_day = serializers.PrimaryKeyRelatedField(queryset=DecisionDay.objects.all(), required=False)
    outcome = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(required=False)
    verdict = serializers.CharField(required=False, allow_blank=True)
    verdict_note = serializers.CharField(required=False, allow_blank=True)
    is_excellent = serializers.BooleanField(required=False)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ProjectEvent
        fields = ["id", "action", "from_state", "to_state", "actor", "at", "note"]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    attachment = serializers.FileField(required=False, allow_null=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "text", "percent", "attachment", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class ResourceCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResourceCategorySerializer
    queryset = ResourceCategory.objects.all()
    pagination_class = None


class ResourceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Resources your communities may use and those you keep."""

    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet

    def get_queryset(self):
        return (
            access.visible_resources(self.request.user)
            .select_related("category", "town", "community")
            .order_by("category__order", "name")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        town_code, community_code = request.data.get("town"), request.data.get("community")
        if town_code:
            data["town"] = community_access.visible_towns(request.user).filter(code=str(town_code)).first()
            if data["town"] is None:
                raise ValidationError({"town": [_("Unknown town.")]})
        if community_code:
            data["community"] = (
                community_access.visible_communities(request.user).filter(code=str(community_code)).first()
            )
            if data["community"] is None:
                raise ValidationError({"community": [_("Unknown community.")]})
        try:
            resource = services.resource_save(by=request.user, **data)
        except Exception as exc:  # noqa: BLE001
            raise project_error(exc) from exc
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)


class ProjectViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Governance projects of your scope. Changes of state go through the actions
    below; an action your role may not take is 403, one the state does not allow 409."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            queries.project_list(self.request.user)
            .prefetch_related("needs", "resource_links")
            .order_by("-year", "-id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community: Community = data.pop("community")
        if not access.can_create_projects(request.user, community):
            raise PermissionDenied(_("Projects are proposed by the community's own worker."))
        needs, resources = data.pop("needs", []), data.pop("resources", [])
        try:
            project, warnings = services.project_create(
                by=request.user, community=community, needs=needs, resources=resources, **data
            )
        except Exception as exc:  # noqa: BLE001
            raise project_error(exc) from exc
        body = self.get_serializer(self.get_queryset().get(pk=project.pk)).data
        return Response({**body, "warnings": warnings}, status=status.HTTP_201_CREATED)

    def _transition(self, request, action_name):
        project = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        note, expected = data.pop("note", ""), data.pop("expected_state", None)
        if not workflow.check_role(request.user, project, action_name):
            raise PermissionDenied(_("Your role may not take this action on this project."))
        try:
            services.transition(
                project=project,
                action=action_name,
                by=request.user,
                note=note,
                expected_state=expected,
                **data,
            )
        except (services.ProjectError, DjangoValidationError, DjangoPermissionDenied) as exc:
            raise project_error(exc) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, "submit")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, "withdraw")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, pk=None):
        """Town staff return a submission to the community, with the reason in ``note``."""
        return self._transition(request, "return")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Town staff put the project on a planned ``decision_day`` of its community."""
        return self._transition(request, "schedule")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        return self._transition(request, "resubmit")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, "start")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The worker reports completion with the ``outcome``."""
        return self._transition(request, "complete")

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Residents' supervision: ``satisfaction`` (1–5) and ``verdict``."""
        return self._transition(request, "accept")

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        project = self.get_object()
        return Response(EventSerializer(project.events.select_related("actor"), many=True).data)

    @extend_schema(request=ProgressUpdateSerializer, responses=ProgressUpdateSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def updates(self, request, pk=None):
        project = self.get_object()
        if request.method == "POST":
            serializer = ProgressUpdateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                update = services.progress_add(project=project, by=request.user, **serializer.validated_data)
            except Exception as exc:  # noqa: BLE001
                raise project_error(exc) from exc
            return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
        return Response(
            ProgressUpdateSerializer(project.updates.select_related("created_by"), many=True).data
        )

    @extend_schema(
        responses=inline_serializer(
            "ResourceMatch",
            {
                "resource": serializers.IntegerField(),
                "name": serializers.CharField(),
                "category": serializers.CharField(),
                "level": serializers.CharField(),
                "score": serializers.IntegerField(),
                "remaining": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
                "reasons": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        )
    )
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """Suggested resources for the project's needs, best first, with the reasons."""
        project = self.get_object()
        needs = list(project.needs.all())
        matches = queries.match_resources(community=project.community, needs=needs, exclude_project=project)
        return Response(
            [
                {
                    "resource": m.resource.pk,
                    "name": m.resource.name,
                    "category": m.resource.category.code,
                    "level": m.resource.level,
                    "score": m.score,
                    "remaining": m.remaining,
                    "reasons": m.reasons,
                }
                for m in matches
            ]
        )
