"""Demo data for the registry: Taicang's towns, 162 invented communities over the
eight types, pilots, model communities, alliances and the demo accounts.

The towns are Taicang's; community names, codes and figures are invented and
the towns are flagged ``is_demo`` so that the footer says so.
"""

import random
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from simple_history.utils import bulk_create_with_history

from .models import (
    Alliance,
    CoBuildingUnit,
    Community,
    CommunityType,
    Membership,
    PilotLevel,
    Reclassification,
    Role,
    Town,
)

DEMO_PASSWORD = "demo-2024"

# (code, name, kind, number of communities, share of urban communities)
TOWNS = [
    ("320585001", "娄东街道", Town.Kind.STREET, 24, 0.9),
    ("320585002", "陆渡街道", Town.Kind.STREET, 18, 0.7),
    ("320585100", "城厢镇", Town.Kind.TOWN, 28, 0.6),
    ("320585101", "沙溪镇", Town.Kind.TOWN, 22, 0.3),
    ("320585102", "浏河镇", Town.Kind.TOWN, 18, 0.35),
    ("320585103", "浮桥镇", Town.Kind.TOWN, 20, 0.3),
    ("320585104", "璜泾镇", Town.Kind.TOWN, 18, 0.25),
    ("320585105", "双凤镇", Town.Kind.TOWN, 14, 0.2),
]
TOTAL_COMMUNITIES = 162
PILOTS_2022, PILOTS_2023, PILOTS_2024 = 48, 71, 43  # 48 by 2022, 119 by 2023, all 162 by 2024
MODEL_COMMUNITIES = [(2023, 5), (2024, 4)]  # nine model communities from 2023 on
FEW_UNITS = 6  # communities left short of the four co-building units, to be flagged

URBAN_TYPES = ["commercial_housing", "old_street", "resettlement", "village_to_urban"]
RURAL_TYPES = ["traditional_village", "periurban_village", "distinctive_village", "merged_village"]

_NAME_HEADS = list("东南西北新金银华兴和安康乐福春秋荷桃梅兰菊竹松柏泰昌盛瑞祥江河湖港浦泾桥塘林丰裕德仁")
_URBAN_TAILS = ["苑", "城", "湾", "园", "庭", "馨", "欣", "悦", "景", "苑北"]
_RURAL_TAILS = ["泾", "桥", "浜", "港", "塘", "庄", "湾", "墩", "泽", "宅"]

_FACTORS = {
    "commercial_housing": (
        "封闭式商品房小区为主",
        "中青年家庭多，新市民比例高",
        "以服务业就业为主",
        "物业服务与公共空间需求突出",
    ),
    "old_street": (
        "老城街巷与老旧小区交错",
        "老年人口比例高",
        "沿街商铺与小微经营",
        "设施老化，改造需求集中",
    ),
    "resettlement": (
        "动迁安置房集中居住",
        "原村民为主，外来租户较多",
        "就近务工与房屋出租",
        "生活习惯转变与邻里融合",
    ),
    "village_to_urban": (
        "新建小区与原村落并存",
        "村转居居民与新居民混住",
        "集体经济转型中",
        "融入城市生活方式",
    ),
    "traditional_village": ("自然村落分散居住", "留守老人较多", "以农业种植为主", "人居环境与道路提升"),
    "periurban_village": (
        "紧邻城镇，村居与厂区交错",
        "外来务工人员多",
        "工业配套与物业经济",
        "与城镇设施共享",
    ),
    "distinctive_village": ("村落风貌保存较好", "返乡创业者增多", "特色农业与乡村旅游", "发展特色产业与文旅"),
    "merged_village": ("部分村组已拆迁，安置待定", "人口流动大", "集体资产处置中", "过渡期服务与矛盾化解"),
}

_UNIT_KINDS = [
    (
        "太仓市{}局",
        CoBuildingUnit.Kind.GOVERNMENT,
        [
            "民政",
            "住建",
            "卫健",
            "教育",
            "交通",
            "水务",
            "城管",
            "市场监管",
            "文体旅",
            "农业农村",
            "人社",
            "司法",
        ],
    ),
    ("太仓市第{}中学", CoBuildingUnit.Kind.PUBLIC_INSTITUTION, list("一二三四五六七八")),
    (
        "太仓{}医院分院",
        CoBuildingUnit.Kind.PUBLIC_INSTITUTION,
        ["城东", "城西", "港区", "沙溪", "浏河", "浮桥", "璜泾", "双凤"],
    ),
    (
        "国网太仓{}供电所",
        CoBuildingUnit.Kind.STATE_ENTERPRISE,
        ["城区", "沙溪", "浏河", "浮桥", "璜泾", "双凤", "陆渡"],
    ),
    (
        "太仓{}精密制造有限公司",
        CoBuildingUnit.Kind.PRIVATE_ENTERPRISE,
        ["华瑞", "德兴", "恒通", "中科", "金港", "海运", "永盛", "宏达", "天成", "新锐", "博远", "汇丰"],
    ),
    (
        "太仓{}物业服务有限公司",
        CoBuildingUnit.Kind.PRIVATE_ENTERPRISE,
        ["安居", "和家", "宜居", "金管家", "锦绣", "康城"],
    ),
    (
        "太仓市{}社会工作服务中心",
        CoBuildingUnit.Kind.SOCIAL_ORGANISATION,
        ["益众", "同心", "邻里", "暖阳", "乐龄", "启航", "向阳", "和合"],
    ),
    (
        "太仓{}银行支行",
        CoBuildingUnit.Kind.STATE_ENTERPRISE,
        ["农商", "工商", "建设", "交通", "邮储", "中国"],
    ),
]


def _units() -> list[CoBuildingUnit]:
    units = []
    for pattern, kind, fills in _UNIT_KINDS:
        for fill in fills:
            units.append(CoBuildingUnit(name=pattern.format(fill), kind=kind, contact="0512-5300-0000"))
    return units


def _names(rng: random.Random, tails: list[str], suffix: str, count: int, taken: set) -> list[str]:
    pool = [h + t + suffix for h in _NAME_HEADS for t in tails]
    rng.shuffle(pool)
    out = []
    for name in pool:
        if name not in taken:
            taken.add(name)
            out.append(name)
            if len(out) == count:
                return out
    raise RuntimeError("name pool exhausted")


def seed_registry(*, stdout=None) -> dict:
    """Create the demo registry; returns the demo users by role."""
    rng = random.Random(20240305)
    types = {t.code: t for t in CommunityType.objects.all()}
    if len(types) != 8:
        raise RuntimeError("Load fixtures/community_types.json first (make run does).")
    assert sum(t[3] for t in TOWNS) == TOTAL_COMMUNITIES

    User = get_user_model()
    admin = User.objects.create_user("city_admin", password=DEMO_PASSWORD, first_name="市级管理员（演示）")

    bulk_create_with_history(
        [Town(code=c, name=n, kind=k, is_demo=True) for c, n, k, _, _ in TOWNS],
        Town,
        default_user=admin,
    )
    towns = {t.code: t for t in Town.objects.all()}

    communities = []
    taken: set[str] = set()
    for code, _name, _kind, count, urban_share in TOWNS:
        town = towns[code]
        n_urban = round(count * urban_share)
        urban_names = _names(rng, _URBAN_TAILS, "社区", n_urban, taken)
        rural_names = _names(rng, _RURAL_TAILS, "村", count - n_urban, taken)
        for i, name in enumerate(urban_names, 1):
            type_code = URBAN_TYPES[(i - 1) % len(URBAN_TYPES)]
            communities.append(_community(rng, town, f"{code}{i:03d}", name, types[type_code]))
        for i, name in enumerate(rural_names, 1):
            type_code = RURAL_TYPES[(i - 1) % len(RURAL_TYPES)]
            communities.append(_community(rng, town, f"{code}{200 + i:03d}", name, types[type_code]))

    # Pilots: 48 in 2022 (a third city-level), 71 more in 2023, the remaining 43 in 2024.
    order = communities[:]
    rng.shuffle(order)
    # Make sure every type has a 2022 pilot: put one of each type first.
    firsts = []
    for type_code in URBAN_TYPES + RURAL_TYPES:
        firsts.append(next(c for c in order if c.type.code == type_code and c not in firsts))
    order = firsts + [c for c in order if c not in firsts]
    for i, c in enumerate(order):
        if i < PILOTS_2022:
            c.pilot_year, c.pilot_level = 2022, PilotLevel.CITY if i % 3 == 0 else PilotLevel.TOWN
        elif i < PILOTS_2022 + PILOTS_2023:
            c.pilot_year, c.pilot_level = 2023, PilotLevel.CITY if i % 4 == 0 else PilotLevel.TOWN
        else:
            c.pilot_year, c.pilot_level = 2024, PilotLevel.TOWN
    # Model communities: one per type among the 2022 pilots ("one type, one model"), plus one.
    model_picks = firsts + [order[len(firsts)]]
    years = [y for y, n in MODEL_COMMUNITIES for _ in range(n)]
    for c, year in zip(model_picks, years, strict=True):
        c.model_year = year

    bulk_create_with_history(communities, Community, default_user=admin)
    communities = list(Community.objects.select_related("type", "town").order_by("code"))

    # Co-building alliances: four to seven units each, a few communities left short.
    bulk_create_with_history(_units(), CoBuildingUnit, default_user=admin)
    units = list(CoBuildingUnit.objects.all())
    short = set(rng.sample([c.pk for c in communities if c.model_year is None], FEW_UNITS))
    alliances = []
    for c in communities:
        n = rng.randint(2, 3) if c.pk in short else rng.randint(4, 7)
        for unit in rng.sample(units, n):
            since = date(rng.choice([2021, 2022, 2022, 2023]), rng.randint(1, 12), rng.randint(1, 28))
            alliances.append(
                Alliance(
                    community=c, unit=unit, since=since, agreement_note="签订共建协议，年度共建项目不少于1个"
                )
            )
    bulk_create_with_history(alliances, Alliance, default_user=admin)

    _reclassify_some(communities, types, admin)

    users = {"city_admin": admin}
    Membership.objects.create(user=admin, role=Role.CITY_ADMIN)
    chengxiang = towns["320585100"]
    users["town_staff"] = User.objects.create_user(
        "town_staff", password=DEMO_PASSWORD, first_name="城厢镇工作人员（演示）"
    )
    Membership.objects.create(user=users["town_staff"], role=Role.TOWN_STAFF, town=chengxiang)
    own = next(c for c in communities if c.town_id == chengxiang.pk)
    users["community_worker"] = User.objects.create_user(
        "community_worker", password=DEMO_PASSWORD, first_name="社区工作者（演示）"
    )
    Membership.objects.create(user=users["community_worker"], role=Role.COMMUNITY_WORKER, community=own)
    users["viewer"] = User.objects.create_user(
        "viewer", password=DEMO_PASSWORD, first_name="智库专家（演示）"
    )
    Membership.objects.create(user=users["viewer"], role=Role.VIEWER)
    if stdout:
        stdout.write(
            f"  {len(communities)} communities in {len(towns)} towns, {len(alliances)} alliance memberships"
        )
    return users


def _community(rng, town, code, name, ctype) -> Community:
    households = rng.randint(350, 3800) if ctype.area == "urban" else rng.randint(300, 1600)
    living, people, economy, traits = _FACTORS[ctype.code]
    return Community(
        code=code,
        name=name,
        town=town,
        type=ctype,
        households=households,
        population=int(households * rng.uniform(2.4, 3.1)),
        area_km2=Decimal(
            str(round(rng.uniform(0.3, 2.5) if ctype.area == "urban" else rng.uniform(2.0, 8.5), 2))
        ),
        living_pattern=living,
        population_makeup=people,
        economic_structure=economy,
        development_traits=traits,
        has_party_committee=True,
    )


def _reclassify_some(communities, types, admin):
    """A few communities whose type changed, so that the history is shown."""
    tz = ZoneInfo("Asia/Shanghai")
    changes = [
        (
            "village_to_urban",
            "traditional_village",
            "2023-06-18",
            "完成撤村建居，村委会改设为居委会，按村改居社区管理。",
        ),
        ("merged_village", "periurban_village", "2023-11-02", "因城镇规划整体拆迁，与邻村撤并，进入过渡期。"),
        (
            "resettlement",
            "village_to_urban",
            "2024-03-15",
            "原村民全部入住安置小区，按动迁安置社区重新分类。",
        ),
    ]
    records = []
    for current_code, former_code, day, reason in changes:
        community = next(c for c in communities if c.type.code == current_code and c.pilot_year == 2022)
        records.append(
            Reclassification(
                community=community,
                from_type=types[former_code],
                to_type=types[current_code],
                reason=reason,
                decided_by=admin,
                decided_at=datetime.fromisoformat(day).replace(hour=10, tzinfo=tz),
            )
        )
    Reclassification.objects.bulk_create(records)
