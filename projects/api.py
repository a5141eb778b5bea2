"""REST API for resources and governance projects.

References (a community, a town, a need, a resource, a decision day) are found
by the resolvers of each app's ``lookups`` inside the user's scope, so an id out
of scope answers exactly as one that does not exist. The services' refusals
propagate and ``core.api.exception_handler`` answers them (400, 403, 409).
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import access as community_access
from communities.lookups import COMMUNITY, TOWN
from core.inputs import NOTE_MAX, TEXT_MAX
from core.lookups import RefSerializerField
from needs.access import visible_needs
from needs.lookups import NEED

from . import access, queries, services
from .filters import ProjectFilterSet, ResourceFilterSet
from .lookups import DECISION_DAY, RESOURCE, RESOURCE_CATEGORY
from .models import DecisionDay, ProgressUpdate, Project, ProjectEvent, Resource, ResourceCategory


def _visible_communities(request):
    return community_access.visible_communities(request.user)


def _visible_towns(request):
    return community_access.visible_towns(request.user)


def _visible_needs(request):
    return visible_needs(request.user)


def _visible_resources(request):
    return access.visible_resources(request.user)


class ResourceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceCategory
        fields = ["id", "code", "name", "name_en", "origin", "order"]


class ResourceSerializer(serializers.ModelSerializer):
    category = RefSerializerField(RESOURCE_CATEGORY, represent="code")
    town = RefSerializerField(
        TOWN, represent="code", queryset=_visible_towns, required=False, allow_null=True
    )
    community = RefSerializerField(
        COMMUNITY, represent="code", queryset=_visible_communities, required=False, allow_null=True
    )

    class Meta:
        model = Resource
        fields = [
            "id", "name", "category", "provider", "level", "town", "community", "capacity",
            "capacity_amount", "capacity_unit", "contact", "is_active",
        ]  # fmt: skip


class ResourceLinkSerializer(serializers.Serializer):
    resource = RefSerializerField(RESOURCE, queryset=_visible_resources)
    committed_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    role = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ProjectSerializer(serializers.ModelSerializer):
    community = RefSerializerField(COMMUNITY, queryset=_visible_communities)
    community_name = serializers.CharField(source="community.name", read_only=True)
    # Ids outside the user's scope are unknown ids: their titles are not revealed.
    needs = RefSerializerField(NEED, queryset=_visible_needs, many=True)
    resources = ResourceLinkSerializer(many=True, required=False, write_only=True)
    resource_links = serializers.SerializerMethodField()
    need_count = serializers.IntegerField(read_only=True)
    # No verdict yet is null, not an empty string outside the verdicts.
    verdict = serializers.ChoiceField(choices=Project.Verdict.choices, read_only=True, allow_null=True)

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

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["verdict"] = data["verdict"] or None
        return data

    @extend_schema_field(
        inline_serializer(
            "ProjectResourceLink",
            {
                "resource": serializers.IntegerField(),
                "committed_amount": serializers.DecimalField(
                    max_digits=12, decimal_places=2, allow_null=True
                ),
                "role": serializers.CharField(),
            },
            many=True,
        )
    )
    def get_resource_links(self, project) -> list[dict]:
        # An amount is a decimal string here as everywhere in the API ("10000.00"), not a float.
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)
        return [
            {
                "resource": link.resource_id,
                "committed_amount": (
                    None if link.committed_amount is None else amount.to_representation(link.committed_amount)
                ),
                "role": link.role,
            }
            for link in project.resource_links.all()
        ]


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    expected_state = serializers.ChoiceField(choices=Project.State.choices, required=False)
    decision_day = RefSerializerField(DECISION_DAY, queryset=DecisionDay.objects.none(), required=False)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    satisfaction = serializers.IntegerField(required=False, min_value=1, max_value=5)
    verdict = serializers.ChoiceField(choices=Project.Verdict.choices, required=False)
    verdict_note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    is_excellent = serializers.BooleanField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            # Only the project's own community's days: another town's or another
            # community's day answers as an id that does not exist.
            fields["decision_day"].queryset = DecisionDay.objects.filter(community_id=project.community_id)
        return fields


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ProjectEvent
        fields = ["id", "action", "from_state", "to_state", "actor", "at", "note"]


class AttachmentField(serializers.FileField):
    """An uploaded photo or PDF in; out, the address that serves it to those who
    may read its project (files are never served from /media/ directly)."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, update):
        if not update.attachment:
            return None
        url = reverse("projects:update_attachment", args=[update.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ProgressUpdateSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    attachment = AttachmentField(required=False, allow_null=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "text", "percent", "attachment", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class ResourceMatchSerializer(serializers.Serializer):
    resource = serializers.IntegerField(source="resource.pk")
    name = serializers.CharField(source="resource.name")
    category = serializers.CharField(source="resource.category.code")
    level = serializers.ChoiceField(source="resource.level", choices=Resource.Level.choices)
    score = serializers.IntegerField()
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


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

    def perform_create(self, serializer):
        serializer.instance = services.resource_save(by=self.request.user, **serializer.validated_data)


# The project's own lists (its path, its reports, its suggestions) are short and
# whole: not paginated and not filtered like the project list.
WHOLE_LIST = {"pagination_class": None, "filter_backends": []}


class ProjectViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Governance projects of your scope. Changes of state go through the actions
    below; an action your role may not take is 403, one the state does not allow 409."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet

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
        project, warnings = services.project_create(
            by=request.user,
            community=data.pop("community"),
            needs=data.pop("needs", []),
            resources=data.pop("resources", []),
            **data,
        )
        body = self.get_serializer(self.get_queryset().get(pk=project.pk)).data
        return Response({**body, "warnings": warnings}, status=status.HTTP_201_CREATED)

    def _transition(self, request, action_name):
        project = self.get_object()
        serializer = TransitionSerializer(data=request.data, context={"request": request, "project": project})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.transition(
            project=project,
            action=action_name,
            by=request.user,
            note=data.pop("note", ""),
            expected_state=data.pop("expected_state", None),
            **data,
        )
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
    @action(detail=True, methods=["get"], **WHOLE_LIST)
    def events(self, request, pk=None):
        """The project's path, oldest step first."""
        project = self.get_object()
        return Response(EventSerializer(project.events.select_related("actor"), many=True).data)

    @extend_schema(methods=["GET"], responses=ProgressUpdateSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": ProgressUpdateSerializer,
            "application/json": ProgressUpdateSerializer,
        },
        responses={201: ProgressUpdateSerializer},
    )
    @action(detail=True, methods=["get", "post"], **WHOLE_LIST)
    def updates(self, request, pk=None):
        """Progress reports, newest first; POST adds one (``attachment``: a photo or a PDF).
        An attachment is answered as the address that serves it."""
        project = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            serializer = ProgressUpdateSerializer(data=request.data, context=context)
            serializer.is_valid(raise_exception=True)
            update = services.progress_add(project=project, by=request.user, **serializer.validated_data)
            return Response(
                ProgressUpdateSerializer(update, context=context).data, status=status.HTTP_201_CREATED
            )
        updates = project.updates.select_related("created_by")
        return Response(ProgressUpdateSerializer(updates, many=True, context=context).data)

    @extend_schema(responses=ResourceMatchSerializer(many=True))
    @action(detail=True, methods=["get"], **WHOLE_LIST)
    def matches(self, request, pk=None):
        """Suggested resources for the project's needs, best first, with the reasons."""
        project = self.get_object()
        needs = list(project.needs.all())
        matches = queries.match_resources(community=project.community, needs=needs, exclude_project=project)
        return Response(ResourceMatchSerializer(matches, many=True).data)
