"""Party organisations, members and study sessions for the demo seed: pure numpy, no database.

The organisations sit on the administrative tree (Dashiqiao style):

* a ``committee`` per township (党工委 for a street, 党委 for a town);
* a ``general_branch`` (党总支) in the largest ~35% of villages (by number of
  grids, then area), which get two or three branches; other villages one;
* a ``branch`` (党支部) per village (or two or three as above) and one for
  every enterprise or school grid (under the township committee);
* a ``group`` (党小组) per grid: under its own branch for an enterprise or
  school grid, else under one of its village's branches.

Members (about 16.7 per grid: ~30,000 in a city of 1,798 grids) belong to
their grid's group; about 6% belong to a branch directly.  Sessions follow the
usual cadence over the period (monthly theme day, committee meeting, group
meeting and, for 40% of branches, online study; quarterly general meeting
and party lesson).  A session that has started has one attendance row per
member called (``expected``); one that starts later today has none yet.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from queries.taxonomy import SESSION_KINDS_INFO

MEMBERS_PER_GRID = 30_000 / 1_798
"""Dashiqiao: ~30k party-member records for 1,798 grids."""

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
            "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文关佟")
GIVEN_M = ("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子"
           "杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮"
           "政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航"
           "弘")
GIVEN_F = ("秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉"
           "琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨"
           "瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽")
THEMES = ("学习贯彻习近平新时代中国特色社会主义思想", "重温入党誓词", "冬季供暖保障志愿服务", "网格党员进万家",
          "清洁家园志愿服务", "廉洁自律警示教育", "安全生产宣传", "文明城市创建", "党员先锋岗亮身份",
          "关爱空巢老人", "学党章守党纪", "为民办实事")
LESSONS = ("坚持党建引领基层治理", "全面从严治党永远在路上", "践行全心全意为人民服务宗旨", "党的群众路线",
           "新时代基层党组织建设", "发扬斗争精神")
CN_NUM = "一二三四"


def chinese_names(rng, n: int, female: np.ndarray | None = None) -> np.ndarray:
    """``n`` plausible Chinese names (surname by a Zipf-like frequency, 1-2 given characters)."""
    if female is None:
        female = rng.random(n) < 0.5
    s = np.array(list(SURNAMES), dtype=object)
    p = 1.0 / np.arange(1, len(s) + 1) ** 0.9
    sur = s[rng.choice(len(s), n, p=p / p.sum())]
    m, f = np.array(list(GIVEN_M), dtype=object), np.array(list(GIVEN_F), dtype=object)
    pool_len = np.where(female, len(f), len(m))
    first = (rng.random(n) * pool_len).astype(int)
    second = (rng.random(n) * pool_len).astype(int)
    c1 = np.where(female, f[np.minimum(first, len(f) - 1)], m[np.minimum(first, len(m) - 1)])
    c2 = np.where(female, f[np.minimum(second, len(f) - 1)], m[np.minimum(second, len(m) - 1)])
    two = rng.random(n) < 0.7
    return sur + c1 + np.where(two, c2, "")


def _committee_name(township_name: str) -> str:
    return township_name + ("党工委" if township_name.endswith("街道") else "党委")


def build_orgs(grids: pd.DataFrame, names: dict[str, str], rng) -> tuple[pd.DataFrame, pd.Series]:
    """The organisation rows (parents first) and, per grid code, the code of its group.

    ``grids`` is :func:`queries.tree.read_grids`; ``names`` maps township,
    village and grid codes to names.
    """
    rows = []
    for t in sorted(grids.township_code.unique()):
        rows.append(("committee", f"PC{t}", _committee_name(names[t]), None, t, None, None))
    size = grids.groupby("village_code").agg(n=("code", "size"), area=("area_km2", "sum"),
                                             township=("township_code", "first"))
    size = size.sort_values(["n", "area"], ascending=False, kind="stable")
    n_general = int(round(0.35 * len(size)))
    n_three = int(round(0.10 * len(size)))
    branches_of: dict[str, list[str]] = {}
    for rank, (v, r) in enumerate(size.iterrows()):
        parent = f"PC{r.township}"
        k = 3 if rank < n_three else 2 if rank < n_general else 1
        if k > 1:
            rows.append(("general_branch", f"PZ{v}", f"{names[v]}党总支", parent, r.township, v, None))
            parent = f"PZ{v}"
            codes = [f"PB{v}-{i + 1}" for i in range(k)]
            labels = [f"{names[v]}第{CN_NUM[i]}党支部" for i in range(k)]
        else:
            codes, labels = [f"PB{v}"], [f"{names[v]}党支部"]
        branches_of[v] = codes
        rows += [("branch", c, lab, parent, r.township, v, None) for c, lab in zip(codes, labels)]
    group_of = {}
    seen: dict[str, int] = {}
    for g in grids.itertuples():
        if g.grid_type in ("enterprise", "school"):
            parent = f"PB{g.code}"
            rows.append(("branch", parent, f"{names[g.code]}党支部", f"PC{g.township_code}", g.township_code,
                         g.village_code, g.code))
        else:
            i = seen.get(g.village_code, 0)
            seen[g.village_code] = i + 1
            options = branches_of[g.village_code]
            parent = options[i % len(options)]
        group_of[g.code] = f"PG{g.code}"
        rows.append(("group", f"PG{g.code}", f"{names[g.code]}党小组", parent, g.township_code, g.village_code,
                     g.code))
    orgs = pd.DataFrame(rows, columns=["kind", "code", "name", "parent_code", "township_code", "village_code",
                                       "grid_code"])
    # parents must be written before children (the foreign key is checked row by row)
    orgs["depth"] = orgs.kind.map({"committee": 0, "general_branch": 1, "branch": 2, "group": 3})
    orgs = orgs.sort_values(["depth"], kind="stable").drop(columns="depth").reset_index(drop=True)
    return orgs, pd.Series(group_of)


def generate_members(grids: pd.DataFrame, orgs: pd.DataFrame, group_of: pd.Series, total: int,
                     today: date, rng) -> pd.DataFrame:
    """``total`` members spread over the grids' groups (6% directly in the group's branch)."""
    w = grids.grid_type.map({"urban_rural": 1.0, "school": 0.8, "enterprise": 0.6}).fillna(1.0).to_numpy()
    w = w * rng.lognormal(0, 0.3, len(grids))
    per_grid = rng.multinomial(total, w / w.sum())
    gi = np.repeat(np.arange(len(grids)), per_grid)
    group = group_of.reindex(grids.code).to_numpy()[gi]
    parent = orgs.set_index("code").parent_code
    org = np.where(rng.random(total) < 0.06, parent.reindex(group).to_numpy(), group)
    female = rng.random(total) < 0.32
    age = np.clip(rng.normal(56, 15, total), 20, 96).astype(int)
    join_age = np.minimum(np.clip(rng.normal(29, 8, total), 18, 70), age - 0.1)
    born = today.year - age
    joined = pd.Timestamp(today) - pd.to_timedelta(((age - join_age) * 365.25).astype(int), unit="D")
    joined = joined.to_numpy().astype("datetime64[D]").astype(object)
    return pd.DataFrame({
        "id": np.arange(1, total + 1), "org_code": org, "name": chinese_names(rng, total, female),
        "gender": np.where(female, "F", "M"), "born": born, "joined_on": joined,
        "township_code": grids.township_code.to_numpy()[gi], "village_code": grids.village_code.to_numpy()[gi],
    })


def _slot_dates(kind, start: date, today: date, rng) -> list[date]:
    """One date per month (or quarter) of the cadence, drawn in its period; may fall outside the window."""
    out = []
    months = 1 if kind.period == "month" else 3
    y, m = start.year, start.month - (start.month - 1) % months
    while date(y, m, 1) <= today:
        first = date(y, m, 1)
        ny, nm = (y + (m + months - 1) // 12, (m + months - 1) % 12 + 1)
        last = date(ny, nm, 1) - timedelta(days=1)
        out.append(first + timedelta(days=int(rng.integers(0, (last - first).days + 1))))
        y, m = ny, nm
    return out


def _start_hours(kind_code: str) -> tuple[float, ...]:
    """Usual start times (hours) of a kind: office hours; online study and group meetings also evenings."""
    return {"online_study": (19.5, 20.0, 15.0), "group_meeting": (9.0, 14.5, 19.0),
            "committee_meeting": (8.5, 14.0, 16.0)}.get(kind_code, (9.0, 14.5, 15.0))


def generate_sessions(orgs: pd.DataFrame, members: pd.DataFrame, first_day: date, now: datetime,
                      poor_townships: tuple[str, ...], rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Study sessions over ``first_day``..today and the attendance of every session already started."""
    today = now.date()
    branch_of = orgs.set_index("code").parent_code
    is_group = orgs.set_index("code").kind == "group"
    # each member is called by its group and by the branch above (or by its branch directly)
    m_branch = np.where(is_group.reindex(members.org_code).to_numpy(),
                        branch_of.reindex(members.org_code).to_numpy(), members.org_code.to_numpy())
    by_group = members.groupby("org_code").id.apply(np.asarray).to_dict()
    by_branch = pd.Series(members.id.to_numpy()).groupby(m_branch).apply(np.asarray).to_dict()
    info = {r.code: r for r in orgs.itertuples(index=False)}
    rows = []
    for kind in SESSION_KINDS_INFO:
        holders = orgs.code[orgs.kind == kind.org_kind].tolist()
        for code in holders:
            called = (by_group if kind.org_kind == "group" else by_branch).get(code)
            if called is None or not len(called):
                continue
            if kind.code == "committee_meeting":
                called = called[:int(np.clip(len(called) // 6, 3, 7))]   # the branch committee
            for d in _slot_dates(kind, first_day, today, rng):
                if rng.random() >= kind.share:
                    continue
                start = datetime.combine(d, datetime.min.time()) + timedelta(
                    hours=float(rng.choice(_start_hours(kind.code))))
                rows.append((kind, code, start, called))
    rows = _move_some_to_today(rows, now, rng)
    sessions, attendance = [], []
    t_factor = {t: rng.normal(0, 0.02) - (0.05 if t in poor_townships else 0)
                for t in sorted(orgs.township_code.unique())}
    # the very old and the 5% "flowing" members (流动党员, often away) attend less; indexed by member id
    factor = np.ones(members.id.max() + 1 if len(members) else 1)
    factor[members.id.to_numpy()] = (np.where(now.year - members.born.to_numpy() >= 80, 0.75, 1.0)
                                     * np.where(rng.random(len(members)) < 0.05, 0.5, 1.0))
    sid = 0
    for kind, code, start, called in sorted(rows, key=lambda r: (r[2], r[1], r[0].code)):
        if start.date() < first_day or start.date() > today:
            continue
        sid += 1
        o = info[code]
        minutes = int(kind.minutes * rng.uniform(0.8, 1.2))
        sessions.append({"id": sid, "kind": kind.code, "org_code": code, "title": _title(kind, o.name, start, rng),
                         "starts_at": start, "ends_at": start + timedelta(minutes=minutes),
                         "online": kind.code == "online_study", "expected": len(called),
                         "township_code": o.township_code, "village_code": o.village_code})
        if start <= now:
            base = {"committee_meeting": 0.97, "online_study": 0.84}.get(kind.code, 0.91) + t_factor[o.township_code]
            present = rng.random(len(called)) < base * factor[called]
            attendance.append((np.full(len(called), sid), called, present))
    parts = list(zip(*attendance)) or [[np.zeros(0, int)]] * 3
    att = pd.DataFrame({"session_id": np.concatenate(parts[0]), "member_id": np.concatenate(parts[1]),
                        "present": np.concatenate(parts[2]).astype(bool)})
    return pd.DataFrame(sessions), att


def _move_some_to_today(rows: list, now: datetime, rng) -> list:
    """Make sure the wall screen has sessions today: a few live at ``now`` and a few later today.

    Sessions of this month (theme days, online study, party lessons) are moved
    to today; at full scale many more fall on today by themselves.  Sessions
    happen in the day (07:00-22:00): at night nothing is made live, and a
    "later today" session must start by 20:00.
    """
    today = now.date()
    month = [i for i, r in enumerate(rows) if r[2].year == today.year and r[2].month == today.month
             and r[0].code in ("theme_day", "online_study", "party_lesson")]
    if not month:
        return rows
    n = int(np.clip(len({r[1] for r in rows}) // 150, 2, 6))
    chosen = rng.choice(month, size=min(len(month), 2 * n), replace=False)
    out = list(rows)
    midnight = datetime.combine(today, datetime.min.time())
    for j, i in enumerate(chosen):
        kind, code, _, called = rows[i]
        if j < n:    # live: started 5-40 minutes ago (the shortest session lasts longer than that)
            start = now - timedelta(minutes=int(rng.integers(5, 40)))
            if not midnight + timedelta(hours=7) <= start <= midnight + timedelta(hours=21):
                continue
        else:        # later today
            start = max(now + timedelta(minutes=30), midnight + timedelta(hours=8)) + timedelta(
                minutes=int(rng.integers(0, 150)))
            if start > midnight + timedelta(hours=20):
                continue
        out[i] = (kind, code, start.replace(second=0, microsecond=0), called)
    return out


def _title(kind, org_name: str, start: datetime, rng) -> str:
    """A session title in the usual style."""
    if kind.code == "theme_day":
        return f"{start.month}月主题党日：{THEMES[rng.integers(len(THEMES))]}"
    if kind.code == "party_lesson":
        return f"专题党课：{LESSONS[rng.integers(len(LESSONS))]}"
    if kind.code == "online_study":
        return f"线上学习：{THEMES[rng.integers(len(THEMES))]}"
    if kind.code == "branch_meeting":
        return f"{org_name}{start.year}年第{(start.month - 1) // 3 + 1}季度党员大会"
    if kind.code == "committee_meeting":
        return f"{org_name}{start.month}月支委会"
    return f"{org_name}{start.month}月党小组会"
