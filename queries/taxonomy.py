"""Domain constants: case categories and items, sources, departments, levels,
nodes, ratings, study-session kinds and party organisation kinds.

Plain data (frozen dataclasses and tuples) shared by the seed, the API and the
UI, plus tiny lookup helpers such as :func:`category_label`.  Codes are stable
slugs stored in the database; labels are for display only (``lang`` is
``"zh"`` or ``"en"``; anything else falls back to ``"en"``).

The frequencies are relative weights, not shares: Qixia's monthly heat ranking
puts property management first and environment second, so they get the largest
weights.  Heating complaints follow the heating season (in Liaoning it runs
from 1 November to 31 March), which :attr:`Category.season` models as one
factor per calendar month.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from queries.schema import CASE_LEVELS, EVENT_KINDS, NODES, ORG_KINDS, RATINGS, SESSION_KINDS, SOURCES

RESPONSE_DUE_HOURS = 12
"""A case nobody claimed within half a day gets a reminder (Sheyang: 超过半日没有及时回应 → 提醒)."""

DEFAULT_DEADLINE_HOURS = (48, 72, 120, 240)
"""Resolution deadline in hours per case level, in the order of ``CASE_LEVELS``."""

FLAT = (1.0,) * 12


@dataclass(frozen=True)
class Item:
    """A case type (事项) inside a category, e.g. ``environment.garbage``."""
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Category:
    """A case class (大类) with its items and the figures the seed and KPIs use.

    ``weight`` is the relative frequency; ``season`` multiplies it per calendar
    month (January first); ``handling_hours`` is the median time from dispatch
    to handled at village level; ``escalation`` scales how often a case of this
    class goes up a level (1.0 = average); ``deadline_hours`` is per level in
    the order of ``CASE_LEVELS`` (village, township, city, department).
    Items are listed from the most to the least frequent.
    """
    code: str
    zh: str
    en: str
    weight: float
    handling_hours: float
    escalation: float
    deadline_hours: tuple[int, int, int, int] = DEFAULT_DEADLINE_HOURS
    season: tuple[float, ...] = FLAT
    items: tuple[Item, ...] = field(default_factory=tuple)


def _items(category: str, *rows: tuple[str, str, str]) -> tuple[Item, ...]:
    return tuple(Item(f"{category}.{slug}", zh, en) for slug, zh, en in rows)


CATEGORIES: tuple[Category, ...] = (
    Category("property", "物业管理", "Property management", 17, 16, 0.9, items=_items(
        "property",
        ("service_quality", "物业服务质量差", "Poor property service"),
        ("fees", "物业收费争议", "Property fee dispute"),
        ("elevator", "电梯故障", "Elevator out of order"),
        ("facility_damage", "小区公共设施损坏", "Damaged shared facilities"),
        ("parking", "小区停车难", "Estate parking"),
        ("corridor_clutter", "楼道堆放杂物", "Clutter in stairwells"),
        ("roof_leak", "屋面漏雨", "Leaking roof"),
        ("illegal_renovation", "违规装修", "Unauthorised renovation"),
        ("abandoned_estate", "弃管小区管理", "Estate without management"),
        ("access_control", "小区门禁故障", "Estate gate access"),
        ("landscaping", "绿化养护不到位", "Poor landscaping upkeep"),
        ("owners_committee", "业委会选举纠纷", "Owners' committee dispute"),
    )),
    Category("environment", "环境卫生", "Environment & sanitation", 15, 10, 0.8,
             season=(0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8), items=_items(
        "environment",
        ("garbage", "垃圾清运不及时", "Garbage not collected"),
        ("littering", "乱扔乱倒垃圾", "Littering"),
        ("sewage", "污水外溢", "Sewage overflow"),
        ("noise", "噪声扰民", "Noise nuisance"),
        ("cooking_fumes", "餐饮油烟扰民", "Restaurant cooking fumes"),
        ("construction_waste", "建筑垃圾乱倒", "Construction waste dumped"),
        ("public_toilet", "公厕卫生差", "Dirty public toilet"),
        ("open_burning", "露天焚烧", "Open burning"),
        ("dust", "扬尘污染", "Dust pollution"),
        ("ditches", "河道沟渠脏乱", "Dirty rivers and ditches"),
        ("stray_animals", "流浪犬只扰民", "Stray dogs"),
        ("pests", "蚊蝇鼠患", "Mosquitoes, flies and rats"),
    )),
    Category("consultation", "政策咨询", "Policy enquiries", 11, 2, 0.3, deadline_hours=(24, 48, 72, 120),
             items=_items(
        "consultation",
        ("policy", "惠民政策咨询", "Benefit policy enquiry"),
        ("certificates", "证照办理咨询", "Licences and certificates"),
        ("household_registration", "户籍业务咨询", "Household registration"),
        ("social_insurance", "社保缴费查询", "Social insurance contributions"),
        ("school_enrolment", "入学咨询", "School enrolment"),
        ("procedures", "办事流程指引", "How to get something done"),
        ("convenience", "便民服务咨询", "Local services"),
        ("suggestions", "意见建议", "Suggestions"),
        ("praise", "表扬感谢", "Praise and thanks"),
    )),
    Category("road_traffic", "道路交通", "Roads & traffic", 9, 24, 1.2, deadline_hours=(72, 96, 120, 240),
             season=(1.5, 1.4, 1.1, 0.9, 0.9, 0.9, 1.0, 1.0, 0.9, 0.9, 1.1, 1.4), items=_items(
        "road_traffic",
        ("road_damage", "路面破损", "Damaged road surface"),
        ("streetlight", "路灯不亮", "Streetlight out"),
        ("illegal_parking", "车辆乱停乱放", "Illegal parking"),
        ("manhole", "井盖缺失破损", "Missing manhole cover"),
        ("snow_ice", "道路积雪结冰", "Snow and ice on roads"),
        ("road_occupation", "占道经营", "Street vending on the road"),
        ("traffic_signal", "信号灯故障", "Traffic light fault"),
        ("bus_service", "公交线路站点", "Bus routes and stops"),
        ("congestion", "交通拥堵", "Traffic congestion"),
        ("bridge_culvert", "桥涵安全隐患", "Unsafe bridge or culvert"),
    )),
    Category("heating_utilities", "供暖与水电气", "Heating & utilities", 7, 6, 1.1, deadline_hours=(24, 48, 72, 120),
             # the heating season (1 Nov - 31 Mar) dominates; October is pressure-testing the pipes
             season=(2.0, 1.6, 1.2, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 2.4, 2.2), items=_items(
        "heating_utilities",
        ("not_warm", "室温不达标", "Home not warm enough"),
        ("pipe_leak", "暖气管道漏水", "Leaking heating pipe"),
        ("heating_fee", "供暖收费争议", "Heating fee dispute"),
        ("water_outage", "停水", "Water outage"),
        ("water_pressure", "水压不足", "Low water pressure"),
        ("power_outage", "停电", "Power outage"),
        ("gas_supply", "燃气供应安全", "Gas supply and safety"),
        ("water_quality", "水质问题", "Water quality"),
        ("drain_blocked", "下水管道堵塞", "Blocked drain"),
        ("meters", "水电气表计问题", "Utility meters"),
    )),
    Category("social_security", "社会保障", "Social security", 7, 36, 1.5, deadline_hours=(72, 120, 168, 240),
             items=_items(
        "social_security",
        ("pension", "养老保险待遇", "Pension"),
        ("medical_insurance", "医保报销", "Medical insurance claims"),
        ("subsistence", "低保申请", "Minimum living allowance"),
        ("wage_arrears", "拖欠农民工工资", "Unpaid migrant wages"),
        ("elderly_care", "居家养老服务", "Home care for the elderly"),
        ("disability", "残疾人帮扶", "Disability support"),
        ("employment", "就业帮扶", "Employment support"),
        ("housing_aid", "住房保障", "Housing assistance"),
        ("veterans", "退役军人优抚", "Veterans' benefits"),
        ("child_welfare", "困境儿童关爱", "Children in difficulty"),
    )),
    Category("dispute", "矛盾纠纷", "Disputes", 7, 30, 1.3, deadline_hours=(72, 120, 168, 240), items=_items(
        "dispute",
        ("neighbours", "邻里纠纷", "Neighbour dispute"),
        ("family", "婚姻家庭纠纷", "Family dispute"),
        ("labour", "劳资纠纷", "Labour dispute"),
        ("land_contract", "土地承包纠纷", "Land contract dispute"),
        ("tenancy", "房屋租赁纠纷", "Tenancy dispute"),
        ("debt", "债务纠纷", "Debt dispute"),
        ("contract", "合同纠纷", "Contract dispute"),
        ("traffic_accident", "交通事故纠纷", "Traffic accident dispute"),
        ("medical", "医患纠纷", "Doctor-patient dispute"),
    )),
    Category("public_safety", "公共安全", "Public safety", 6, 12, 1.4,
             season=(1.3, 1.2, 1.0, 1.0, 1.0, 1.1, 1.3, 1.3, 1.0, 1.0, 1.1, 1.3), items=_items(
        "public_safety",
        ("fire_hazard", "消防安全隐患", "Fire hazard"),
        ("ebike_charging", "电动车违规充电", "E-bike charging indoors"),
        ("exposed_wire", "电线裸露", "Exposed wiring"),
        ("dangerous_building", "危房隐患", "Dangerous building"),
        ("facility_hazard", "公共设施安全隐患", "Unsafe public facility"),
        ("theft", "盗窃治安", "Theft and public order"),
        ("fraud", "电信诈骗预警", "Phone fraud warning"),
        ("flood", "防汛隐患", "Flood risk"),
        ("dangerous_goods", "危险品存放", "Dangerous goods storage"),
        ("gas_cylinder", "液化气瓶隐患", "LPG cylinder hazard"),
    )),
    Category("market_regulation", "市场监管", "Market regulation", 5, 30, 1.6, deadline_hours=(72, 120, 168, 240),
             items=_items(
        "market_regulation",
        ("food_safety", "食品安全", "Food safety"),
        ("prepaid_card", "预付卡退费", "Prepaid card refund"),
        ("pricing", "价格违法", "Illegal pricing"),
        ("counterfeit", "假冒伪劣", "Counterfeit goods"),
        ("unlicensed", "无证经营", "Unlicensed business"),
        ("consumer_rights", "消费维权", "Consumer rights"),
        ("drug_safety", "药品安全", "Drug safety"),
        ("weights_measures", "计量不准", "Short weight"),
        ("advertising", "违法广告", "Illegal advertising"),
    )),
    Category("land_construction", "国土城建", "Land & construction", 5, 48, 2.2, deadline_hours=(96, 120, 240, 360),
             items=_items(
        "land_construction",
        ("illegal_building", "违章建筑", "Illegal building"),
        ("homestead", "宅基地纠纷", "Homestead plot dispute"),
        ("construction_nuisance", "施工扰民", "Construction nuisance"),
        ("property_title", "不动产办证难", "Property title certificate"),
        ("old_estate_renovation", "老旧小区改造", "Old estate renovation"),
        ("expropriation", "征收拆迁", "Expropriation and demolition"),
        ("housing_quality", "房屋质量问题", "Housing quality"),
        ("site_safety", "工地安全", "Building site safety"),
        ("farmland", "占用耕地", "Farmland occupation"),
    )),
    Category("epidemic_health", "卫生健康", "Health & epidemic control", 4, 12, 0.9,
             season=(1.4, 1.3, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.2, 1.4), items=_items(
        "epidemic_health",
        ("vaccination", "疫苗接种", "Vaccination"),
        ("family_doctor", "家庭医生签约", "Family doctor contract"),
        ("clinic_service", "基层诊疗服务", "Local clinic service"),
        ("infectious_disease", "传染病防控", "Infectious disease control"),
        ("health_check", "老年人健康体检", "Health checks for the elderly"),
        ("public_hygiene", "公共场所卫生", "Hygiene in public places"),
        ("smoking", "公共场所吸烟", "Smoking in public places"),
        ("mental_health", "心理健康关爱", "Mental health support"),
    )),
)

CATEGORY_CODES = tuple(c.code for c in CATEGORIES)


@dataclass(frozen=True)
class Source:
    """Where a case comes from; ``ref_prefix`` starts its ``source_ref``."""
    code: str
    zh: str
    en: str
    share: float
    ref_prefix: str


SOURCES_INFO: tuple[Source, ...] = (
    Source("hotline", "8890热线", "8890 hotline", 0.42, "8890"),
    Source("patrol", "网格员巡查", "Grid patrol", 0.28, "XC"),
    Source("chat_group", "微信群", "Chat group", 0.15, "WX"),
    Source("service_hall", "服务大厅", "Service hall", 0.08, "DT"),
    Source("photo", "随手拍", "Photo report", 0.07, "SSP"),
)
assert tuple(s.code for s in SOURCES_INFO) == SOURCES


@dataclass(frozen=True)
class Department:
    """A city department a case can be handed to at the last level."""
    code: str
    zh: str
    en: str
    categories: tuple[str, ...]


DEPARTMENTS: tuple[Department, ...] = (
    Department("urban_management", "城市管理综合执法局", "Urban Management Bureau",
               ("environment", "road_traffic", "land_construction")),
    Department("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau",
               ("property", "heating_utilities", "land_construction")),
    Department("natural_resources", "自然资源局", "Natural Resources Bureau", ("land_construction", "dispute")),
    Department("ecology", "生态环境分局", "Ecology and Environment Branch", ("environment",)),
    Department("transport", "交通运输局", "Transport Bureau", ("road_traffic",)),
    Department("public_security", "公安局", "Public Security Bureau", ("public_safety", "road_traffic", "dispute")),
    Department("market", "市场监督管理局", "Market Regulation Administration",
               ("market_regulation", "epidemic_health")),
    Department("human_resources", "人力资源和社会保障局", "Human Resources and Social Security Bureau",
               ("social_security", "dispute", "consultation")),
    Department("civil_affairs", "民政局", "Civil Affairs Bureau", ("social_security",)),
    Department("health", "卫生健康局", "Health Bureau", ("epidemic_health",)),
    Department("medical_security", "医疗保障局", "Medical Security Bureau", ("social_security", "epidemic_health")),
    Department("emergency", "应急管理局", "Emergency Management Bureau", ("public_safety",)),
    Department("water", "水利局", "Water Resources Bureau", ("heating_utilities", "environment")),
    Department("justice", "司法局", "Justice Bureau", ("dispute",)),
    Department("education", "教育局", "Education Bureau", ("consultation", "public_safety")),
    Department("agriculture", "农业农村局", "Agriculture and Rural Affairs Bureau", ("land_construction", "dispute")),
    Department("administrative_approval", "行政审批局", "Administrative Approval Bureau", ("consultation",)),
)

LEVEL_LABELS = {
    "village": ("村(社区)", "Village / community"),
    "township": ("乡镇(街道)", "Township / street"),
    "city": ("市级", "City"),
    "department": ("职能部门", "Department"),
}
"""Case levels (where a case is handled), in the order of ``CASE_LEVELS``."""

LEVEL_UNITS = {
    "village": "村(社区)党群服务中心",
    "township": "乡镇(街道)党群服务中心",
    "city": "市党群服务中心",
}
"""The unit acting at each level (a department acts under its own name); the seed's event actors."""

NODE_LABELS = {
    "received": ("接件", "Received"),
    "claimed": ("认领", "Claimed"),
    "dispatched": ("分派", "Dispatched"),
    "handled": ("办理", "Handled"),
    "closed": ("结案", "Closed"),
}

EVENT_KIND_LABELS = {
    **NODE_LABELS,
    "escalate": ("上报", "Escalated"),
    "urge": ("督办", "Urged"),
    "verify": ("核查", "Verified on site"),
    "rate": ("评价", "Rated"),
    "reopen": ("重办", "Reopened"),
    "remind": ("超时提醒", "Reminder"),
}

RATING_LABELS = {
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
}

GRID_TYPE_LABELS = {
    "urban_rural": ("城乡网格", "Urban/rural grid"),
    "school": ("学校网格", "School grid"),
    "enterprise": ("企业网格", "Enterprise grid"),
}

ORG_KIND_LABELS = {
    "committee": ("党委(党工委)", "Party committee"),
    "general_branch": ("党总支", "General branch"),
    "branch": ("党支部", "Party branch"),
    "group": ("党小组", "Party group"),
}


@dataclass(frozen=True)
class SessionKind:
    """A kind of study session (三会一课, 主题党日, online study) and its cadence.

    ``org_kind`` is the organisation that holds it; ``period`` is ``"month"``
    or ``"quarter"``; ``share`` is the fraction of those organisations that hold
    it each period (online study is optional); ``minutes`` is the usual length.
    """
    code: str
    zh: str
    en: str
    org_kind: str
    period: str
    share: float
    minutes: int


SESSION_KINDS_INFO: tuple[SessionKind, ...] = (
    SessionKind("branch_meeting", "支部党员大会", "Branch general meeting", "branch", "quarter", 1.0, 120),
    SessionKind("committee_meeting", "支委会", "Branch committee meeting", "branch", "month", 1.0, 90),
    SessionKind("group_meeting", "党小组会", "Party group meeting", "group", "month", 1.0, 75),
    SessionKind("party_lesson", "党课", "Party lesson", "branch", "quarter", 1.0, 120),
    SessionKind("theme_day", "主题党日", "Party theme day", "branch", "month", 1.0, 150),
    SessionKind("online_study", "线上学习", "Online study", "branch", "month", 0.4, 60),
)
assert tuple(k.code for k in SESSION_KINDS_INFO) == SESSION_KINDS

# --- lookups -----------------------------------------------------------------------------------

_CATEGORY = {c.code: c for c in CATEGORIES}
_ITEM = {i.code: i for c in CATEGORIES for i in c.items}
_SOURCE = {s.code: s for s in SOURCES_INFO}
_DEPARTMENT = {d.code: d for d in DEPARTMENTS}
_SESSION_KIND = {k.code: k for k in SESSION_KINDS_INFO}


def _pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def _pair(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    """Label from a ``code -> (zh, en)`` table; an unknown code is shown as itself."""
    pair = table.get(code)
    return _pick(pair[0], pair[1], lang) if pair else str(code)


def category(code: str) -> Category:
    """The category with this code (KeyError if unknown)."""
    return _CATEGORY[code]


def category_label(code: str, lang: str = "zh") -> str:
    """The display label of a category code.

    >>> category_label("property", "en")
    'Property management'
    """
    c = _CATEGORY.get(code)
    return _pick(c.zh, c.en, lang) if c else str(code)


def item_label(code: str, lang: str = "zh") -> str:
    """The display label of an item code.

    >>> item_label("environment.garbage")
    '垃圾清运不及时'
    """
    i = _ITEM.get(code)
    return _pick(i.zh, i.en, lang) if i else str(code)


def item_category(code: str) -> str:
    """The category code of an item code (the part before the dot)."""
    return code.split(".", 1)[0]


def source_label(code: str, lang: str = "zh") -> str:
    s = _SOURCE.get(code)
    return _pick(s.zh, s.en, lang) if s else str(code)


def department_label(code: str | None, lang: str = "zh") -> str:
    if code is None:
        return ""
    d = _DEPARTMENT.get(code)
    return _pick(d.zh, d.en, lang) if d else str(code)


def departments_for(category_code: str) -> tuple[str, ...]:
    """Codes of the departments that handle a category, in listing order."""
    return tuple(d.code for d in DEPARTMENTS if category_code in d.categories)


def deadline_hours(category_code: str, level: str) -> int:
    """Resolution deadline in hours for a category at a case level."""
    c = _CATEGORY.get(category_code)
    hours = c.deadline_hours if c else DEFAULT_DEADLINE_HOURS
    return hours[CASE_LEVELS.index(level)]


def level_label(code: str, lang: str = "zh") -> str:
    return _pair(LEVEL_LABELS, code, lang)


def node_label(code: str, lang: str = "zh") -> str:
    return _pair(NODE_LABELS, code, lang)


def event_kind_label(code: str, lang: str = "zh") -> str:
    return _pair(EVENT_KIND_LABELS, code, lang)


def rating_label(code: str | None, lang: str = "zh") -> str:
    return "" if code is None else _pair(RATING_LABELS, code, lang)


def grid_type_label(code: str, lang: str = "zh") -> str:
    return _pair(GRID_TYPE_LABELS, code, lang)


def org_kind_label(code: str, lang: str = "zh") -> str:
    return _pair(ORG_KIND_LABELS, code, lang)


def session_kind(code: str) -> SessionKind:
    return _SESSION_KIND[code]


def session_kind_label(code: str, lang: str = "zh") -> str:
    k = _SESSION_KIND.get(code)
    return _pick(k.zh, k.en, lang) if k else str(code)


# the tables above must cover the schema's vocabularies exactly
assert tuple(LEVEL_LABELS) == CASE_LEVELS
assert tuple(NODE_LABELS) == NODES
assert set(EVENT_KIND_LABELS) == set(EVENT_KINDS)
assert tuple(RATING_LABELS) == RATINGS
assert tuple(ORG_KIND_LABELS) == ORG_KINDS
