"""Demo needs: surveys and needs for 2022 to today across all communities, some
escalations (a few overdue) to the departments each town lists, and the
published needs lists of 2022–2025.

Categories are drawn per community type from the types each category concerns,
with a skew per type, so that each type's list ranks its problems clearly.
"""

import random
from datetime import date, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communities.models import Community, CommunityType, Town

from . import services
from .models import Channel, Escalation, EscalationDepartment, Need, NeedsList, NeedSurvey, ProblemCategory

FIRST_YEAR = 2022
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "建国秀英桂兰志强海燕丽华明辉玉珍国平春梅小红建华德明美玲金凤永红晓东淑珍卫东爱华"
_PLACES = [
    "1幢",
    "3幢",
    "5幢",
    "7幢",
    "9幢",
    "12幢",
    "南门",
    "北门",
    "东侧",
    "西侧",
    "中心广场",
    "老街口",
    "村委会旁",
    "活动中心",
    "菜场边",
    "河边",
    "桥头",
    "停车场",
]
_TITLES = {
    "ev_charging": ["小区内增设新能源车充电桩", "充电桩数量不足，排队充电", "地面车位加装充电设施"],
    "ebike_shed_charging": ["电动自行车集中充电棚建设", "楼道飞线充电隐患", "非机动车棚顶棚破损"],
    "parking_power_expansion": ["停车位紧张，夜间乱停车", "停车场电力箱扩容", "增划停车位"],
    "public_facility_repair": ["健身器材损坏需维修", "雨水管道堵塞", "公共座椅破损", "窨井盖松动"],
    "street_lighting": ["路灯不亮，夜间出行不便", "背街小巷加装路灯", "路灯线路老化"],
    "road_widening": ["村道狭窄会车困难", "道路拓宽及路面修补", "路口视线遮挡"],
    "public_space_renewal": ["闲置空地改造为口袋公园", "公共空间更新改造", "小区绿化补种"],
    "old_estate_renovation": ["老旧小区外墙渗水", "屋顶防水层老化", "楼道墙面脱落"],
    "elevator_retrofit": ["多层住宅加装电梯", "加装电梯费用分摊协商"],
    "property_service": ["物业服务响应慢", "物业费收缴及公示", "保洁不到位"],
    "home_elderly_care": ["独居老人助餐服务", "居家养老上门服务", "老年人日间照料"],
    "childcare": ["托育点不足", "暑期儿童托管", "婴幼儿照护服务"],
    "neighbour_disputes": ["楼上噪音扰民", "邻里通道占用纠纷", "宠物扰邻"],
    "resettled_customs": ["楼道堆物及种菜习惯", "公共区域晾晒", "红白喜事占道"],
    "newcomer_integration": ["新市民融入活动", "外来人员子女入学咨询"],
    "village_environment": ["村庄垃圾收运不及时", "河塘周边环境整治", "农村厕所改造"],
    "waste_sorting": ["垃圾分类投放点设置", "垃圾分类宣传指导"],
    "river_water_environment": ["河道水质变差", "河岸护坡修复"],
}


def _title(rng, category) -> str:
    options = _TITLES.get(category.code)
    if options:
        return rng.choice(options)
    return f"{category.name}方面的诉求"


def _weights_by_type(rng, categories):
    """For each type: its categories and a skewed weight for each."""
    out = {}
    for ctype in CommunityType.objects.all():
        own = [c for c in categories if ctype.pk in c.type_ids]
        rng.shuffle(own)
        # Zipf-like: the first categories of a type are raised far more often.
        out[ctype.pk] = (own, [1.0 / (i + 1) ** 0.9 for i in range(len(own))])
    return out


def seed_needs(*, users, stdout=None, today: date | None = None) -> None:
    rng = random.Random(20220601)
    today = today or timezone.localdate()
    categories = list(ProblemCategory.objects.prefetch_related("community_types"))
    for c in categories:
        c.type_ids = {t.pk for t in c.community_types.all()}
    weights = _weights_by_type(rng, categories)
    admin, staff, worker = users["city_admin"], users["town_staff"], users["community_worker"]
    staff_town = staff.memberships.get().town_id
    worker_community = worker.memberships.get().community_id
    communities = list(Community.objects.select_related("type").order_by("code"))

    def actor(community):
        if community.pk == worker_community:
            return worker
        if community.town_id == staff_town:
            return staff
        return admin

    surveys = []
    for community in communities:
        for year in range(FIRST_YEAR, today.year + 1):
            last_day = min(date(year, 12, 31), today - timedelta(days=1))
            span = (last_day - date(year, 1, 1)).days
            n_surveys = rng.randint(2, 3) if year < today.year else rng.randint(1, 2)
            for _ in range(n_surveys):
                surveys.append(
                    NeedSurvey(
                        community=community,
                        date=date(year, 1, 1) + timedelta(days=rng.randint(0, max(span, 0))),
                        channel=rng.choice(list(Channel.values[:-1])),
                        conducted_by=actor(community),
                        participants=rng.randint(8, 60),
                        notes="",
                    )
                )
    bulk_create_with_history(surveys, NeedSurvey, batch_size=1000, default_user=admin)
    surveys = list(NeedSurvey.objects.select_related("community__type"))

    needs = []
    for survey in surveys:
        own, w = weights[survey.community.type_id]
        for _ in range(rng.randint(2, 5)):
            category = rng.choices(own, weights=w)[0]
            has_contact = rng.random() < 0.4
            status = Need.Status.OPEN
            reason = ""
            if survey.date.year < today.year and rng.random() < 0.08:
                status, reason = (
                    Need.Status.CLOSED,
                    rng.choice(
                        [
                            "经核实不属于社区职责，已告知居民向相关部门反映。",
                            "居民已自行解决。",
                            "与已有需求重复。",
                        ]
                    ),
                )
            needs.append(
                Need(
                    community=survey.community,
                    survey=survey,
                    raised_on=survey.date,
                    channel=survey.channel,
                    title=_title(rng, category),
                    description=f"{rng.choice(_PLACES)}附近，居民多次反映。",
                    category=category,
                    urgent=rng.random() < 0.15,
                    location=rng.choice(_PLACES),
                    resident_name=(rng.choice(_SURNAMES) + rng.choice(_GIVEN[::2]) + rng.choice(_GIVEN[1::2]))
                    if has_contact
                    else "",
                    mobile=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}" if has_contact else "",
                    status=status,
                    close_reason=reason,
                    logged_by=survey.conducted_by,
                )
            )
    bulk_create_with_history(needs, Need, batch_size=1000, default_user=admin)

    _seed_departments(admin)
    _escalate_some(rng, users, staff_town, today)
    _publish_lists(admin, today)
    if stdout:
        stdout.write(f"  {len(surveys)} surveys, {len(needs)} needs, {NeedsList.objects.count()} needs lists")


# Each town's list of the departments its needs are escalated to (吹哨报到).
DEPARTMENTS = ["城管办", "住建局", "派出所", "供电所", "镇社会事业局", "镇综合执法局"]


def _seed_departments(admin):
    departments = [
        EscalationDepartment(town=town, name=name, order=order)
        for town in Town.objects.order_by("code")
        for order, name in enumerate(DEPARTMENTS, 1)
    ]
    bulk_create_with_history(departments, EscalationDepartment, default_user=admin)


def _escalate_some(rng, users, staff_town, today):
    """Escalations in the demo town: some answered, some still due, a few overdue."""
    staff = users["town_staff"]
    candidates = list(
        Need.objects.filter(community__town_id=staff_town, status=Need.Status.OPEN, urgent=True).order_by(
            "-raised_on"
        )[:12]
    )
    departments = DEPARTMENTS
    escalations = []
    for i, need in enumerate(candidates):
        escalated_on = max(need.raised_on, today - timedelta(days=40))
        due = escalated_on + timedelta(days=rng.choice([10, 15, 20]))
        answered = i % 3 == 0
        if i % 4 == 1:  # make a few clearly overdue
            due = today - timedelta(days=rng.randint(2, 9))
        escalations.append(
            Escalation(
                need=need,
                department=rng.choice(departments),
                due_on=due,
                note="社区无法独立解决，申请镇职能部门协同处理。",
                escalated_by=staff,
                response="已现场查看，列入本月维修计划。" if answered else "",
                responded_on=min(due, today) if answered else None,
                recorded_by=staff if answered else None,
            )
        )
        need.status = Need.Status.ESCALATED
    bulk_create_with_history(escalations, Escalation, default_user=staff)
    bulk_update_with_history(candidates, Need, ["status"], default_user=staff)


def _publish_lists(admin, today):
    for ctype in CommunityType.objects.all():
        for year in range(FIRST_YEAR, today.year):
            needs_list = services.needs_list_compile(community_type=ctype, year=year, by=admin)
            services.needs_list_publish(needs_list=needs_list, by=admin)
