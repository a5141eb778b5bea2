"""No English on Chinese pages.

Every page of the site (found in the urlconf, so a new page is checked without
touching this file) is rendered as each role in simplified Chinese, and its
visible text must hold no untranslated catalogue string, no raw code of a
choice or of reference data, no scientific notation and no English word beyond
a short allowlist. The API's error messages get the same check when a client
asks for Chinese.
"""

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from communities.models import CommunityType, Membership
from needs.models import (
    Channel,
    Escalation,
    EscalationDepartment,
    ImportJob,
    NeedsList,
    NeedsListItem,
    NeedSurvey,
    ProblemCategory,
)
from projects.models import ProgressUpdate, Resource, ResourceCategory
from tests.factories import CoBuildingUnitFactory
from tests.projects.factories import decision_day_of, need_in, project_in, resource

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PROJECT_APPS = ("core", "communities", "needs", "projects", "governance")
ROLES = ("city_admin", "town_staff", "community_worker", "viewer")

# Latin-script words a Chinese page may show, and why.
ALLOWED_WORDS = {
    # Names that Chinese writes in Latin letters too: the programming interface,
    # file types and sizes, text encodings, the API's header scheme.
    *("API", "OpenAPI", "JSON", "PDF", "pdf", "Excel", "xlsx", "XLSX", "csv", "CSV"),
    *("jpg", "png", "MB", "KB", "UTF", "GBK", "Token", "Authorization", "ID", "IP"),
    "English",  # the language switch names each language in that language
}
# In the admin only: Django's admin template writes these in English, untranslatable
# (the boolean icons' alt text, the search icon's alt text); django-axes' record of a
# missing User-Agent header.
ADMIN_ALLOWED_WORDS = {"True", "False", "Search", "unknown"}
# django-axes' hard-coded description of a sign-in record (AccessLog.__str__).
ADMIN_ALLOWED_TEXT = re.compile(r"Access Log for \S+ @ [\d\-: .+]+")

# Pages not checked here, each with its reason.
NOT_PAGES = {
    "logout": "POST only; GET answers 405 with no page",
    "set_language": "a redirect, not a page",
    "api-schema": "the machine-readable OpenAPI description, in English for developers",
    "api-docs": "Swagger UI, a developer tool whose chrome is English",
    "api-token": "API: checked with the API's messages below",
}


# --- visible text --------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The strings a reader sees: text nodes, and attributes read aloud or shown
    (placeholder, title, aria-label, alt, the value of a text box or button, the
    value of a datalist's option, which the browser shows and fills in).

    Left out: scripts and styles, and what a page marks as not to be translated
    (``translate="no"``, e.g. a column of codes for spreadsheet and API users; the
    admin's ``code`` field and column), where a code is the content itself."""

    SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-bs-title")
    TEXT_INPUTS = {"text", "search", "submit", "button", "reset", "email", "tel", "url", ""}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    @property
    def _hidden(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = (
            self._hidden
            or tag in ("script", "style", "template")
            or attrs.get("translate") == "no"
            or "field-code" in (attrs.get("class") or "").split()
        )
        if tag not in self.VOID:
            self._open.append((tag, hidden))
        if hidden:
            return
        for name in self.SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.strings.append(attrs[name])
        value = attrs.get("value")
        if not value:
            return
        text_box = tag == "input" and (attrs.get("type") or "").lower() in self.TEXT_INPUTS
        suggestion = tag == "option" and any(t == "datalist" for t, _h in self._open)
        if (text_box and attrs.get("name") != "code") or suggestion:
            self.strings.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_endtag(self, tag):
        # Pop up to the matching tag; HTML lets some end tags be left out.
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.strings.append(data.strip())


def visible_strings(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.strings


URL_OR_EMAIL = re.compile(
    r"https?://[\w\-.~:/?#@!$&'*+,;=%]+"  # a web address
    r"|(?<!\S)/[\w\-./?=&%#]*"  # a path of this site, standing apart (/reclassify/)
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # an e-mail address
    re.ASCII,
)
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{2,}\b", re.ASCII)
SCIENTIFIC = re.compile(r"\b\d+(?:\.\d+)?[eE][+-]?\d+\b", re.ASCII)


# --- what must not appear ------------------------------------------------------------------


def _catalogue_patterns():
    """Each msgid of our catalogue as a pattern over visible text; placeholders
    match anything. Skipped: msgids translated as themselves (API, PDF …)."""
    patterns = []
    for entry in polib.pofile(str(CATALOGUE)):
        msgid = entry.msgid
        if entry.obsolete or not re.search(r"[A-Za-z]{2,}", msgid) or entry.msgstr == msgid:
            continue
        if msgid in ALLOWED_WORDS:
            continue
        parts = re.split(r"%\(\w+\)[sd]|%[sd]", msgid)
        body = r".+?".join(re.escape(p) for p in parts)
        patterns.append((msgid, re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])")))
    return patterns


def _codes() -> set[str]:
    """Every value of the project's choices, and every code of its reference tables."""
    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                codes.add(value)
    for enum in models.TextChoices.__subclasses__():
        if enum.__module__.split(".")[0] in PROJECT_APPS:
            codes.update(enum.values)
    for model in (ProblemCategory, CommunityType, ResourceCategory):
        codes.update(model.objects.values_list("code", flat=True))
    # Identifiers only: the history's "+", "~", "-" markers are not codes a reader could see as such.
    return {c for c in codes if isinstance(c, str) and re.fullmatch(r"[a-z][a-z0-9_]*", c)}


class Inspector:
    """Finds what a Chinese page must not show in a list of visible strings."""

    def __init__(self, usernames, *, admin=False):
        self.patterns = _catalogue_patterns()
        codes = _codes()
        self.code_pattern = re.compile(
            r"(?<![A-Za-z0-9_])("
            + "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
            + r")(?![A-Za-z0-9_])"
        )
        # Pinyin initials are typed to pick a category (ldzm → 路灯照明), so the
        # category list shows them beside each name.
        initials = set(ProblemCategory.objects.exclude(initials="").values_list("initials", flat=True))
        self.allowed = ALLOWED_WORDS | set(usernames) | initials
        if admin:
            self.allowed |= ADMIN_ALLOWED_WORDS
        self.admin = admin

    def problems(self, strings: list[str]) -> list[str]:
        found = []
        for text in strings:
            if not re.search(r"[A-Za-z0-9]", text):
                continue
            plain = URL_OR_EMAIL.sub(" ", text)
            if self.admin:
                plain = ADMIN_ALLOWED_TEXT.sub(" ", plain)
            for msgid, pattern in self.patterns:
                if msgid not in self.allowed and pattern.search(plain):
                    found.append(f"untranslated {msgid!r} in {text!r}")
            for code in self.code_pattern.findall(plain):
                found.append(f"raw code {code!r} in {text!r}")
            for number in SCIENTIFIC.findall(plain):
                found.append(f"scientific notation {number!r} in {text!r}")
            words = [w for w in ENGLISH_WORD.findall(plain) if w not in self.allowed]
            if words:
                found.append(f"English {words} in {text!r}")
        return sorted(set(found))


@pytest.fixture
def inspector(world):
    return Inspector([u.username for u in world.users.values()])


@pytest.fixture
def admin_inspector(world):
    return Inspector([u.username for u in world.users.values()], admin=True)


# --- a small world in which every page has something to show ------------------------------


@pytest.fixture
def full_world(world):
    """The shared world, with a record of every kind in the worker's community a1."""
    worker, staff, admin_user = (world.users[r] for r in ("community_worker", "town_staff", "city_admin"))
    w = world
    w.survey = NeedSurvey.objects.create(
        community=w.a1,
        date=date(2024, 3, 1),
        channel=Channel.choices[0][0],
        conducted_by=worker,
        participants=12,
    )
    w.need = need_in(w.a1, by=worker, title="加装电梯", category="elevator_retrofit")
    w.need.survey = w.survey
    w.need.save()
    w.escalated = need_in(
        w.a1, by=worker, title="河道发臭", category="river_water_environment", status="escalated"
    )
    w.escalation = Escalation.objects.create(
        need=w.escalated,
        department="城厢镇城管办",
        due_on=timezone.localdate() - timedelta(days=3),
        escalated_by=worker,
    )
    w.department = EscalationDepartment.objects.create(town=w.town_a, name="城厢镇城管办")
    EscalationDepartment.objects.create(town=w.town_a, name="城厢镇水务站", is_active=False)
    # A published list (everyone reads it) and a later draft (city admins only).
    w.needs_list, w.draft_list = (
        NeedsList.objects.create(
            community_type=w.a1.type,
            year=2024,
            version=version,
            state=state,
            needs_total=2,
            communities_total=1,
            compiled_by=admin_user,
            compiled_at=timezone.now(),
            published_by=admin_user if state == NeedsList.State.PUBLISHED else None,
            published_at=timezone.now() if state == NeedsList.State.PUBLISHED else None,
        )
        for version, state in ((1, NeedsList.State.PUBLISHED), (2, NeedsList.State.DRAFT))
    )
    for needs_list in (w.needs_list, w.draft_list):
        NeedsListItem.objects.create(
            needs_list=needs_list,
            category=w.need.category,
            position=1,
            need_count=2,
            community_count=1,
            open_count=2,
            urgent_count=0,
        )
    w.unit = CoBuildingUnitFactory(name="城厢供电所")
    w.funds = resource(
        "城市更新专项资金", category="funds", capacity_amount=Decimal("3913000"), capacity_unit="元"
    )
    w.members = resource(
        "党员志愿者",
        category="party_members",
        level=Resource.Level.TOWN,
        town=w.town_a,
        capacity_amount=Decimal("40"),
        capacity_unit="名",
        provider=w.unit,
    )
    w.project = project_in(
        "in_progress", community=w.a1, by=worker, resources={w.funds: Decimal("30000")}, title="加装电梯工程"
    )
    w.draft = project_in("draft", community=w.a1, by=worker, needs=[w.need], title="路灯改造")
    w.update = ProgressUpdate.objects.create(
        project=w.project, date=date(2025, 5, 1), text="已完成井道施工", percent=40, created_by=worker
    )
    w.decision_day = decision_day_of(w.a1, by=staff)
    w.jobs = {
        role: ImportJob.objects.create(
            user=user,
            file_name="需求.xlsx",
            stage=ImportJob.Stage.CHECKED,
            rows_total=2,
            rows_done=2,
            rows_ok=2,
        )
        for role, user in w.users.items()
    }
    w.membership = Membership.objects.get(user=worker)
    w.alliance = w.a1.alliances.first()
    return w


def sample_kwargs(w, role, name, route):
    """Values for a route's parameters: the sample record its first path segment names."""
    segment = route.split("/")[0]
    by_segment = {
        "communities": w.a1.pk,
        "towns": w.town_a.pk,
        "escalation-departments": w.department.pk,
        "needs": w.need.pk,
        "escalations": w.escalation.pk,
        "surveys": w.survey.pk,
        "needs-lists": w.needs_list.pk,
        "projects": w.project.pk,
        "project-updates": w.update.pk,
        "decision-days": w.decision_day.pk,
        "resources": w.funds.pk,
        "users": w.users["community_worker"].pk,
    }
    kwargs = {}
    for converter, param in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        if converter == "uuid":
            kwargs[param] = w.jobs[role].pk
        elif param == "alliance_pk":
            kwargs[param] = w.alliance.pk
        elif param == "membership_pk":
            kwargs[param] = w.membership.pk
        elif param == "fmt":
            kwargs[param] = "pdf"  # an export in a format that does not exist: its error page
        elif param == "action":
            kwargs[param] = "submit"
        elif param == "pk" and segment in by_segment:
            kwargs[param] = by_segment[segment]
        else:
            raise AssertionError(f"no sample value for <{param}> of {name} ({route}): add one here")
    return kwargs


def page_routes():
    """(url name, route) of every page of the site, admin and API aside."""

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                route = prefix + str(p.pattern)
                if route.startswith(("admin/", "api/")):
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern):
                yield namespace + (p.name or ""), prefix + str(p.pattern)

    return [(name, route) for name, route in walk(get_resolver().url_patterns) if name not in NOT_PAGES]


def fill(route, kwargs):
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def extra_pages(w):
    """Pages behind a query string."""
    return [
        f"/needs-lists/{w.needs_list.pk}/?print=1",
        f"/needs-lists/{w.draft_list.pk}/",
        f"/projects/new/?community={w.a1.pk}",
        f"/projects/matches/?community={w.a1.pk}&needs={w.need.pk}",
        f"/projects/{w.draft.pk}/edit/",
        "/needs/?status=escalated",
        "/no-such-page/",
    ]


def admin_pages(w):
    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(f"/admin/{opts.app_label}/{opts.model_name}/")
    pages.append(f"/admin/communities/community/{w.a1.pk}/change/")
    pages.append(f"/admin/needs/need/{w.need.pk}/change/")
    return pages


def check(client, url, inspector, *, method="get", data=None, follow=None):
    # A refused POST may redirect with a message: follow it to the page that shows it.
    follow = method == "post" if follow is None else follow
    response = getattr(client, method)(url, data or {}, follow=follow)
    if "text/html" not in response.get("Content-Type", "") or not response.content:
        return response.status_code, []
    return response.status_code, inspector.problems(visible_strings(response.content.decode()))


# --- the tests -----------------------------------------------------------------------------


def test_the_page_list_covers_the_site():
    names = {name for name, _route in page_routes()}
    assert {"home", "communities:list", "needs:edit", "projects:detail", "password_change", "login"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_chinese(client, full_world, inspector, admin_inspector, role):
    w = full_world
    client.force_login(w.users[role])
    urls = [fill(route, sample_kwargs(w, role, name, route)) for name, route in page_routes()]
    urls += extra_pages(w)
    if role == "city_admin":
        urls += admin_pages(w)
    report, statuses = {}, {}
    for url in urls:
        status, problems = check(client, url, admin_inspector if url.startswith("/admin/") else inspector)
        statuses[url] = status
        if problems:
            report[url] = problems
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)
    # The check saw real pages, not a wall of redirects: every role reads these.
    must_see = [
        "/",
        "/communities/",
        "/needs/",
        "/surveys/",
        "/needs-lists/",
        "/projects/",
        "/decision-days/",
    ]
    must_see += [f"/communities/{w.a1.pk}/", f"/needs/{w.need.pk}/", f"/surveys/{w.survey.pk}/"]
    must_see += [
        f"/needs-lists/{w.needs_list.pk}/",
        f"/projects/{w.project.pk}/",
        "/resources/",
        "/categories/",
    ]
    if role == "city_admin":
        must_see += [f"/needs-lists/{w.draft_list.pk}/", "/users/", "/admin/", "/admin/needs/need/"]
    assert {url: statuses[url] for url in must_see} == dict.fromkeys(must_see, 200)


# Invalid submissions, by a role allowed to make them: the form's error messages,
# Django's own included.
INVALID_POSTS = [
    (
        "viewer",
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "123", "new_password2": "123"},
    ),
    ("city_admin", "/users/new/", {"username": "新用户", "password": "123"}),
    ("city_admin", "/communities/new/", {"households": "x"}),
    ("city_admin", "/communities/{a1}/edit/", {"households": "-1"}),
    ("community_worker", "/surveys/new/", {"participants": "x"}),
    ("community_worker", "/needs/{need}/edit/", {"title": "", "category": "12345"}),
    ("community_worker", "/projects/new/", {"community": "{a1}", "budget_total": "x"}),
    ("city_admin", "/resources/new/", {"capacity_amount": "x"}),
    ("town_staff", "/decision-days/new/", {"date": "x"}),
    ("community_worker", "/surveys/{survey}/needs/", {"title": "", "category": "无此类别"}),
    ("town_staff", "/needs/{need}/escalate/", {"department": "", "due_on": "x"}),
    ("community_worker", "/needs/{need}/close/", {"reason": ""}),
    ("community_worker", "/projects/{project}/updates/", {"percent": "120", "date": "x"}),
    ("town_staff", "/projects/{draft}/schedule/", {"decision_day": "987654321"}),
]


@pytest.mark.django_db
def test_form_errors_read_in_chinese(client, full_world, inspector):
    w = full_world
    ids = {
        "a1": w.a1.pk,
        "need": w.need.pk,
        "survey": w.survey.pk,
        "project": w.project.pk,
        "draft": w.draft.pk,
    }
    report = {}
    for role, url, data in INVALID_POSTS:
        client.force_login(w.users[role])
        url = url.format(**ids)
        data = {k: v.format(**ids) for k, v in data.items()}
        status, problems = check(client, url, inspector, method="post", data=data)
        assert status in (200, 400), (url, status)
        if problems:
            report[url] = problems
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_sign_in_pages_read_in_chinese(client, inspector):
    """Seen before signing in: the login page, a refused login, a page that asks to sign in."""
    report = {}
    for method, url, data in [
        ("get", "/accounts/login/", None),
        ("post", "/accounts/login/", {"username": "viewer1", "password": "wrong-password"}),
        ("get", "/needs/", None),
        ("get", "/no-such-page/", None),
    ]:
        status, problems = check(client, url, inspector, method=method, data=data, follow=True)
        assert status in (200, 404), (url, status)
        if problems:
            report[url] = problems
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_the_lockout_page_reads_in_chinese(client, world, inspector):
    wrong = {"username": "viewer1", "password": "wrong-password"}
    for _attempt in range(5):
        client.post("/accounts/login/", wrong)
    response = client.post("/accounts/login/", wrong)
    assert response.status_code in (403, 429), response.status_code
    strings = visible_strings(response.content.decode())
    assert any("锁定" in s for s in strings), strings
    assert not inspector.problems(strings)


@pytest.mark.django_db
def test_password_rules_are_explained_in_chinese(client, world):
    """Django ships these messages in Chinese; they must reach the page so."""
    client.force_login(world.users["viewer"])
    page = client.post(
        "/accounts/password/",
        {"old_password": "pass-word-123", "new_password1": "123", "new_password2": "123"},
    ).content.decode()
    assert "密码" in page and "This password" not in page and "too short" not in page


@pytest.mark.django_db
def test_community_list_heads_its_units_column_in_chinese(client, world):
    client.force_login(world.users["viewer"])
    page = client.get("/communities/").content.decode()
    assert "共建单位" in page and "Co-building units" not in page


@pytest.mark.django_db
def test_error_pages_read_in_chinese(inspector):
    with translation.override("zh-hans"):
        for template in ("400.html", "403.html", "404.html", "500.html"):
            assert not inspector.problems(visible_strings(render_to_string(template))), template


@pytest.mark.django_db
def test_admin_index_labels_the_apps_in_chinese(client, world):
    client.force_login(world.users["city_admin"])
    page = client.get("/admin/").content.decode()
    strings = visible_strings(page)
    for english in ("Axes", "Access attempts", "Model name", "Community registry", "Needs", "Auth Token"):
        assert english not in strings
    assert {"登录锁定", "登录尝试", "社区名录", "需求", "治理项目"} <= set(strings)


# The API answers in Chinese when asked (Accept-Language: zh-hans).
API_CALLS = [
    ("get", "/api/v1/needs/?community=987654321", None),
    ("get", "/api/v1/needs/?year=99999", None),
    ("post", "/api/v1/needs/", {}),
    ("post", "/api/v1/surveys/", {"participants": -1}),
    ("post", "/api/v1/projects/", {"title": ""}),
    ("post", "/api/v1/resources/", {}),
    ("patch", "/api/v1/communities/{a1}/", {"name": "改名"}),
    ("get", "/api/v1/needs/999999/", None),
    ("get", "/api/v1/no-such-endpoint/", None),
]


def _json_strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["town_staff", "viewer"])
def test_api_errors_read_in_chinese(api_as, world, inspector, role):
    api = api_as(world.users[role])
    report = {}
    for method, url, body in API_CALLS:
        url = url.format(a1=world.a1.pk)
        response = getattr(api, method)(url, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code >= 400, (url, response.status_code)
        if "json" not in response.get("Content-Type", ""):
            continue
        problems = inspector.problems(list(_json_strings(response.json())))
        if problems:
            report[url] = problems
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_api_refuses_an_anonymous_client_in_chinese(client, inspector):
    response = client.get("/api/v1/needs/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code in (401, 403)
    assert not inspector.problems(list(_json_strings(response.json())))


def test_inspector_catches_what_it_should(db, world):
    """The checks themselves: each kind of leak is found, Chinese passes."""
    inspector = Inspector(["admin1"])
    page = (
        '<p>共建单位</p><input type="text" value="elevator_retrofit"><span title="Co-building units"></span>'
        "<td>3.913E+6 元</td><p>Hello 世界</p><script>var englishIsFine = 1;</script>"
        '<input type="hidden" value="street_lighting"><p>admin1 · API · https://example.org/x</p>'
    )
    problems = "\n".join(inspector.problems(visible_strings(page)))
    assert "raw code 'elevator_retrofit'" in problems
    assert "untranslated 'Co-building units'" in problems
    assert "scientific notation '3.913E+6'" in problems
    assert "English ['Hello']" in problems
    assert "street_lighting" not in problems and "englishIsFine" not in problems
    assert "admin1" not in problems and "example" not in problems
    assert not inspector.problems(visible_strings("<p>路灯不亮 · 2024年3月5日 · 3,913,000 元</p>"))


# --- every marked string reaches the catalogue ---------------------------------------------

TRANSLATION_FUNCTIONS = {
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 3,
    "npgettext_lazy": 3,
}


def _marked_strings(path: Path):
    """(msgctxt, msgid) of every literal passed to a translation function in a module,
    whatever name the function was imported under."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for name in node.names:
                if name.name in TRANSLATION_FUNCTIONS:
                    aliases[name.asname or name.name] = name.name
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases):
            continue
        function = aliases[node.func.id]
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args
        ]
        context = args[0] if function.startswith(("pgettext", "npgettext")) else None
        msgid = args[1] if context is not None else (args[0] if args else None)
        if msgid:
            yield context, msgid


def test_every_python_string_marked_for_translation_is_in_the_catalogue():
    """A string marked under an alias xgettext does not know (``_lazy("…")``), or
    inside an f-string, which xgettext reads as plain text, never reaches the
    catalogue and shows in English ("Co-building units")."""
    catalogue = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing = []
    for app in PROJECT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            missing += [
                (path.relative_to(ROOT).as_posix(), msgid)
                for ctx, msgid in _marked_strings(path)
                if (ctx, msgid) not in catalogue
            ]
    assert not missing, missing


def test_every_template_string_is_in_the_catalogue_whatever_its_quotes():
    catalogue = {e.msgid for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for _quote, msgid in re.findall(r"{% (?:translate|trans) ([\"'])(.+?)\1", text):
            if msgid not in catalogue:
                missing.append((path.name, msgid))
        for msgid in re.findall(r"_\(([\"'])(.+?)\1\)", text):
            if msgid[1] not in catalogue:
                missing.append((path.name, msgid[1]))
    assert not missing, missing
