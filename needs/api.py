"""REST API for needs: categories, surveys, needs, import and needs lists."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from communities import access as community_access
from communities.lookups import COMMUNITY, COMMUNITY_TYPE
from communities.models import CommunityType
from core.api import api_error
from core.inputs import validate_past_date, validate_year
from core.lookups import RefSerializerField

from . import access, exporting, importing, queries, services
from .filters import NeedFilterSet, NeedsListFilterSet, SurveyFilterSet
from .lookups import CATEGORY, SURVEY
from .models import Channel, Need, NeedsList, NeedsListItem, NeedSurvey, ProblemCategory


def drf_error(exc):
    """A needs service's error as the API answers it (400, 403 or 409)."""
    return api_error(exc)


def _visible_communities(request):
    return community_access.visible_communities(request.user)


def _visible_surveys(request):
    return access.visible_surveys(request.user)


class ScopedCommunityField(RefSerializerField):
    """A community of the user's scope by id, 12-digit code or name; answered as its id.
    One out of scope answers exactly as one that does not exist."""

    def __init__(self, **kwargs):
        super().__init__(COMMUNITY, represent="pk", queryset=_visible_communities, **kwargs)


def category_field(**kwargs) -> RefSerializerField:
    """A category by id, code, name, English name or pinyin initials; answered as its code."""
    return RefSerializerField(CATEGORY, represent="code", queryset=ProblemCategory.objects.all(), **kwargs)


class ProblemCategorySerializer(serializers.ModelSerializer):
    community_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ProblemCategory
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "initials",
            "domain",
            "community_types",
            "order",
            "is_active",
        ]


class SurveySerializer(serializers.ModelSerializer):
    community = ScopedCommunityField()
    conducted_by = serializers.CharField(source="conducted_by.username", read_only=True)
    need_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = NeedSurvey
        fields = ["id", "community", "date", "channel", "participants", "notes", "conducted_by", "need_count"]


class NeedSerializer(serializers.ModelSerializer):
    community = ScopedCommunityField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    town = serializers.CharField(source="community.town.code", read_only=True)
    type = serializers.CharField(source="community.type.code", read_only=True)
    category = category_field()
    domain = serializers.CharField(source="category.domain", read_only=True)
    date = serializers.DateField(source="raised_on", validators=[validate_past_date])
    survey = RefSerializerField(SURVEY, queryset=_visible_surveys, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=20)
    resident_name = serializers.CharField(required=False, allow_blank=True, max_length=50)

    class Meta:
        model = Need
        fields = [
            "id",
            "community",
            "community_name",
            "town",
            "type",
            "survey",
            "date",
            "channel",
            "title",
            "description",
            "category",
            "domain",
            "urgent",
            "location",
            "resident_name",
            "mobile",
            "status",
            "close_reason",
            "logged_at",
        ]
        read_only_fields = ["status", "close_reason", "logged_at"]

    def to_representation(self, need):
        data = super().to_representation(need)
        if not self.context.get("show_mobile", {}).get(need.pk, False):
            data["mobile"] = need.masked_mobile
            data["resident_name"] = need.masked_name
        return data


class NeedsListItemSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    domain = serializers.CharField(source="category.domain")

    class Meta:
        model = NeedsListItem
        fields = [
            "position",
            "category",
            "category_name",
            "domain",
            "community_count",
            "need_count",
            "open_count",
            "urgent_count",
            "note",
        ]


class NeedsListSerializer(serializers.ModelSerializer):
    community_type = serializers.CharField(source="community_type.code")
    items = NeedsListItemSerializer(many=True, read_only=True)

    class Meta:
        model = NeedsList
        fields = [
            "id",
            "community_type",
            "year",
            "version",
            "state",
            "note",
            "needs_total",
            "communities_total",
            "compiled_at",
            "published_at",
            "items",
        ]


class CompileSerializer(serializers.Serializer):
    community_type = RefSerializerField(
        COMMUNITY_TYPE, represent="code", queryset=CommunityType.objects.all()
    )
    year = serializers.IntegerField(validators=[validate_year])


class ProblemCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The shared-problem taxonomy (city admins edit it in the admin)."""

    serializer_class = ProblemCategorySerializer
    pagination_class = None
    queryset = ProblemCategory.objects.prefetch_related("community_types").order_by("order")
    filterset_fields = ["domain", "is_active"]


class SurveyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet

    def get_queryset(self):
        return (
            access.visible_surveys(self.request.user)
            .select_related("community", "conducted_by")
            .annotate(need_count=Count("needs"))
            .order_by("-date", "-id")
        )

    def perform_create(self, serializer):
        try:
            survey = services.survey_create(by=self.request.user, **serializer.validated_data)
        except Exception as exc:  # noqa: BLE001 - mapped to the API error
            raise drf_error(exc) from exc
        # The answer has the shape of the list's rows, where need_count is an annotation.
        survey.need_count = 0
        serializer.instance = survey


class NeedViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Needs in your scope. Lists mask residents' numbers; a need's own record shows
    the full number to those who may call back, and each such view is logged."""

    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet

    def get_queryset(self):
        return queries.need_list(self.request.user).select_related("survey").order_by("-raised_on", "-id")

    def retrieve(self, request, *args, **kwargs):
        need = self.get_object()
        show = access.can_see_mobile(request.user, need)
        if show and need.mobile:
            services.record_mobile_views(user=request.user, needs=[need], context="api")
        return Response(
            self.get_serializer(
                need, context={**self.get_serializer_context(), "show_mobile": {need.pk: show}}
            ).data
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = data.pop("community")
        if not access.can_log_needs(request.user, community):
            raise PermissionDenied(_("You may not log needs for this community."))
        try:
            need = services.need_create(by=request.user, community=community, **data)
        except DjangoValidationError as exc:
            # The API calls the model's ``raised_on`` "date".
            if hasattr(exc, "error_dict") and "raised_on" in exc.error_dict:
                exc.error_dict["date"] = exc.error_dict.pop("raised_on")
            raise drf_error(exc) from exc
        except Exception as exc:  # noqa: BLE001
            raise drf_error(exc) from exc
        context = {**self.get_serializer_context(), "show_mobile": {need.pk: True}}
        return Response(self.get_serializer(need, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "NeedImport", {"file": serializers.FileField(), "dry_run": serializers.BooleanField()}
            )
        },
        # 200: checked (dry run); 201: imported. A refusal (400) has this shape when the
        # rows were read, and the usual {"field": [reason]} or {"detail"} otherwise.
        responses=dict.fromkeys(
            (200, 201),
            inline_serializer(
                "NeedImportResult",
                {
                    "dry_run": serializers.BooleanField(),
                    "rows": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "errors": serializers.ListField(child=serializers.DictField()),
                },
            ),
        ),
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        """Import a spreadsheet: ``dry_run=true`` only checks; otherwise all rows or none."""
        if not access.can_import(request.user):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Attach the spreadsheet as “file”.")]})
        dry_run = str(request.data.get("dry_run", "false")).lower() in ("1", "true", "yes")
        try:
            if dry_run:
                result = importing.check_file(file=upload, file_name=upload.name, user=request.user)
                return Response(
                    {
                        "dry_run": True,
                        "rows": len(result.rows),
                        "created": 0,
                        "errors": _errors(result.errors),
                    },
                    status=status.HTTP_200_OK if not result.errors else status.HTTP_400_BAD_REQUEST,
                )
            batch = services.import_needs(file=upload, file_name=upload.name, by=request.user)
        except importing.ImportFileError as exc:
            return Response(
                {
                    "dry_run": dry_run,
                    "rows": 0,
                    "created": 0,
                    "errors": [{"row": 0, "column": "", "message": str(exc)}],
                },
                status=400,
            )
        except services.ImportRejected as exc:
            return Response(
                {"dry_run": False, "rows": 0, "created": 0, "errors": _errors(exc.errors)}, status=400
            )
        except services.NeedsError as exc:
            return Response(
                {
                    "dry_run": False,
                    "rows": 0,
                    "created": 0,
                    "errors": [{"row": 0, "column": "", "message": str(exc)}],
                },
                status=400,
            )
        return Response(
            {"dry_run": False, "rows": batch.rows, "created": batch.rows, "errors": []}, status=201
        )

    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes}
    )
    @action(detail=False, methods=["get"], url_path="import/template")
    def import_template(self, request):
        """The import template (.xlsx): the Chinese headers and two example rows naming
        communities of your own scope."""
        return exporting.import_template_download(request.user)


def _errors(errors):
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors]


def _with_items(lists):
    """Lists with their type and their ranked items, in two queries."""
    return lists.select_related("community_type").prefetch_related(
        Prefetch("items", queryset=NeedsListItem.objects.select_related("category").order_by("position"))
    )


class NeedsListViewSet(viewsets.ReadOnlyModelViewSet):
    """Needs lists: published ones for everyone; drafts for the city's roles."""

    serializer_class = NeedsListSerializer
    filterset_class = NeedsListFilterSet

    def get_queryset(self):
        return _with_items(access.visible_needs_lists(self.request.user)).order_by(
            "-year", "community_type__order", "-version"
        )

    @extend_schema(request=CompileSerializer, responses={201: NeedsListSerializer})
    @action(detail=False, methods=["post"], filter_backends=[])
    def compile(self, request):
        """Compile a draft. Everything is checked before anything is written, and
        the draft and its answer are one transaction: a refused request writes nothing."""
        if not access.can_manage_needs_lists(request.user):
            raise PermissionDenied(_("Only city administrators compile needs lists."))
        serializer = CompileSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        asked = request.query_params.get("community_type")
        if (
            asked not in (None, "")
            and COMMUNITY_TYPE.resolve(asked) != serializer.validated_data["community_type"]
        ):
            # The type is the body's to give; an address naming another one is a mistake.
            raise ValidationError(
                {"community_type": [_("The address and the body name different community types.")]}
            )
        with transaction.atomic():
            needs_list = services.needs_list_compile(by=request.user, **serializer.validated_data)
            data = self.get_serializer(_with_items(NeedsList.objects).get(pk=needs_list.pk)).data
        return Response(data, status=201)

    @extend_schema(request=None, responses=NeedsListSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        needs_list = self.get_object()
        if not access.can_manage_needs_lists(request.user):
            raise PermissionDenied(_("Only city administrators publish needs lists."))
        try:
            services.needs_list_publish(needs_list=needs_list, by=request.user)
        except services.NeedsError as exc:
            raise drf_error(exc) from exc
        return Response(self.get_serializer(_with_items(NeedsList.objects).get(pk=needs_list.pk)).data)
