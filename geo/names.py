"""Codes and plausible Chinese names, with pinyin, for the demo city's areas.

Names are built from small hand-written syllable tables so that every Chinese
name comes with an English rendering (``name_en``) without a pinyin library.
Every generator is deterministic given a ``numpy.random.Generator`` and never
returns the same name twice within one call, which is how the demo city keeps
names unique within their parent (and, for villages and communities, city-wide).
"""
from __future__ import annotations

import numpy as np

#: (Chinese, English) for the 5 subdistricts (街道) and 12 towns (镇) of the demo
#: city, modelled on Dashiqiao.  Subdistricts come first.
SUBDISTRICTS: tuple[tuple[str, str], ...] = (
    ("钢都街道", "Gangdu Subdistrict"),
    ("石桥街道", "Shiqiao Subdistrict"),
    ("青花街道", "Qinghua Subdistrict"),
    ("金桥街道", "Jinqiao Subdistrict"),
    ("百寨街道", "Baizhai Subdistrict"),
)
TOWNS: tuple[tuple[str, str], ...] = (
    ("高坎镇", "Gaokan Town"),
    ("水源镇", "Shuiyuan Town"),
    ("沟沿镇", "Gouyan Town"),
    ("石佛镇", "Shifo Town"),
    ("虎庄镇", "Huzhuang Town"),
    ("官屯镇", "Guantun Town"),
    ("博洛铺镇", "Boluopu Town"),
    ("旗口镇", "Qikou Town"),
    ("周家镇", "Zhoujia Town"),
    ("黄土岭镇", "Huangtuling Town"),
    ("汤池镇", "Tangchi Town"),
    ("建一镇", "Jianyi Town"),
)

# Two-syllable community names (社区) are one "first" and one "second" syllable.
_COMMUNITY_FIRST = (
    ("富", "Fu"), ("金", "Jin"), ("新", "Xin"), ("和", "He"), ("光", "Guang"),
    ("胜", "Sheng"), ("幸", "Xing"), ("康", "Kang"), ("永", "Yong"), ("文", "Wen"),
    ("振", "Zhen"), ("育", "Yu"), ("春", "Chun"), ("阳", "Yang"), ("锦", "Jin"),
    ("嘉", "Jia"), ("民", "Min"), ("东", "Dong"), ("西", "Xi"), ("南", "Nan"),
    ("北", "Bei"), ("站", "Zhan"), ("钢", "Gang"), ("镁", "Mei"), ("铁", "Tie"),
)
_COMMUNITY_SECOND = (
    ("丽", "li"), ("华", "hua"), ("平", "ping"), ("明", "ming"), ("利", "li"),
    ("福", "fu"), ("乐", "le"), ("安", "an"), ("兴", "xing"), ("园", "yuan"),
    ("城", "cheng"), ("湖", "hu"), ("苑", "yuan"), ("林", "lin"), ("宁", "ning"),
    ("盛", "sheng"), ("泰", "tai"), ("源", "yuan"), ("前", "qian"), ("河", "he"),
)
# Rural village names (村): surname + 家 + a landform, or a modifier + a landform.
_SURNAMES = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("赵", "Zhao"),
    ("孙", "Sun"), ("陈", "Chen"), ("杨", "Yang"), ("马", "Ma"), ("高", "Gao"),
    ("郭", "Guo"), ("何", "He"), ("胡", "Hu"), ("罗", "Luo"), ("梁", "Liang"),
    ("宋", "Song"), ("郑", "Zheng"), ("谢", "Xie"), ("韩", "Han"), ("唐", "Tang"),
    ("冯", "Feng"), ("于", "Yu"), ("董", "Dong"), ("曲", "Qu"), ("姜", "Jiang"),
    ("潘", "Pan"), ("吕", "Lyu"), ("邵", "Shao"), ("鲍", "Bao"), ("佟", "Tong"),
)
_MODIFIERS = (
    ("东", "Dong"), ("西", "Xi"), ("南", "Nan"), ("北", "Bei"), ("前", "Qian"),
    ("后", "Hou"), ("大", "Da"), ("小", "Xiao"), ("上", "Shang"), ("下", "Xia"),
    ("石", "Shi"), ("柳", "Liu"), ("榆", "Yu"), ("桃", "Tao"), ("白", "Bai"),
    ("红", "Hong"), ("青", "Qing"), ("黄", "Huang"), ("马", "Ma"), ("官", "Guan"),
)
_LANDFORMS = (
    ("台", "tai"), ("屯", "tun"), ("堡", "bao"), ("沟", "gou"), ("岭", "ling"),
    ("河", "he"), ("甸", "dian"), ("房", "fang"), ("营", "ying"), ("寨", "zhai"),
    ("峪", "yu"), ("岗", "gang"), ("山", "shan"), ("泉", "quan"), ("窝", "wo"),
)
_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_ORDINALS_EN = ("First", "Second", "Third", "Fourth", "Fifth",
                "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")
# Dashiqiao is China's magnesite capital: its companies are mostly refractories.
_COMPANY_BRANDS = (
    ("金鼎", "Jinding"), ("华兴", "Huaxing"), ("宏达", "Hongda"), ("鑫源", "Xinyuan"),
    ("盛世", "Shengshi"), ("东和", "Donghe"), ("瑞泰", "Ruitai"), ("永丰", "Yongfeng"),
    ("海城", "Haicheng"), ("中冶", "Zhongye"), ("恒信", "Hengxin"), ("青山", "Qingshan"),
    ("富达", "Fuda"), ("辽南", "Liaonan"), ("圣鑫", "Shengxin"), ("天和", "Tianhe"),
    ("嘉晨", "Jiachen"), ("荣源", "Rongyuan"), ("联合", "Lianhe"), ("广源", "Guangyuan"),
    ("隆达", "Longda"), ("长兴", "Changxing"), ("宝丰", "Baofeng"), ("鼎盛", "Dingsheng"),
    ("华鑫", "Huaxin"), ("汇丰", "Huifeng"), ("金龙", "Jinlong"), ("兴业", "Xingye"),
)
_COMPANY_TRADES = (
    ("镁业有限公司", "Magnesium Co."), ("耐火材料有限公司", "Refractories Co."),
    ("矿产有限公司", "Mining Co."), ("新材料有限公司", "New Materials Co."),
    ("化工有限公司", "Chemical Co."), ("建材有限公司", "Building Materials Co."),
    ("机械制造有限公司", "Machinery Co."), ("物流有限公司", "Logistics Co."),
    ("钢铁有限公司", "Steel Co."), ("炉料有限公司", "Furnace Materials Co."),
    ("包装有限公司", "Packaging Co."), ("重工有限公司", "Heavy Industry Co."),
)


def _distinct(rng: np.random.Generator, pool: list[tuple[str, str]], n: int,
              what: str) -> list[tuple[str, str]]:
    """Draw ``n`` distinct entries of ``pool`` in a seeded random order."""
    if n > len(pool):
        raise ValueError(f"only {len(pool)} distinct {what} names available, {n} requested")
    order = rng.permutation(len(pool))[:n]
    return [pool[i] for i in order]


def community_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """``n`` distinct urban community names (…社区) with English.

    >>> names = community_names(np.random.default_rng(0), 3)
    >>> all(zh.endswith("社区") and en.endswith(" Community") for zh, en in names)
    True
    """
    pool = [(f"{a}{b}社区", f"{ae}{be} Community")
            for a, ae in _COMMUNITY_FIRST for b, be in _COMMUNITY_SECOND if ae.lower() != be]
    return _distinct(rng, pool, n, "community")


def village_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """``n`` distinct rural village names (…村) with pinyin.

    >>> [en for _, en in village_names(np.random.default_rng(1), 2)][0].endswith(" Village")
    True
    """
    pool = [(f"{s}家{l}村", f"{se}jia{le} Village") for s, se in _SURNAMES for l, le in _LANDFORMS]
    pool += [(f"{m}{l}村", f"{me}{le} Village") for m, me in _MODIFIERS for l, le in _LANDFORMS]
    return _distinct(rng, pool, n, "village")


def company_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """``n`` distinct company names (…有限公司) with English."""
    pool = [(f"{b}{t}", f"{be} {te}") for b, be in _COMPANY_BRANDS for t, te in _COMPANY_TRADES]
    return _distinct(rng, pool, n, "company")


def school_names(township: tuple[str, str], n: int, *, urban: bool) -> list[tuple[str, str]]:
    """``n`` school names for one township, distinct within it.

    Subdistricts get numbered primary and middle schools; towns a central
    primary school, a middle school, then numbered primary schools.

    >>> school_names(("高坎镇", "Gaokan Town"), 2, urban=False)[1]
    ('高坎镇中学', 'Gaokan Town Middle School')
    """
    zh_t, en_t = township
    stem_zh = zh_t[:-2] if urban else zh_t
    stem_en = en_t.removesuffix(" Subdistrict") if urban else en_t
    if urban:
        kinds = [("小学", "Primary School"), ("中学", "Middle School")]
        out = [(f"{stem_zh}第{_ORDINALS[i // 2]}{kinds[i % 2][0]}",
                f"{stem_en} {_ORDINALS_EN[i // 2]} {kinds[i % 2][1]}") for i in range(n)]
    else:
        fixed = [(f"{stem_zh}中心小学", f"{stem_en} Central Primary School"),
                 (f"{stem_zh}中学", f"{stem_en} Middle School")]
        extra = [(f"{stem_zh}第{_ORDINALS[i]}小学", f"{stem_en} {_ORDINALS_EN[i]} Primary School")
                 for i in range(1, 10)]
        out = (fixed + extra)[:n]
    if len(out) < n:
        raise ValueError(f"too many schools ({n}) for {zh_t}")
    return out


def grid_name(village: tuple[str, str], number: int) -> tuple[str, str]:
    """Name of the ``number``-th ordinary grid of a village.

    >>> grid_name(("富丽社区", "Fuli Community"), 3)
    ('富丽社区第3网格', 'Grid 3, Fuli Community')
    """
    return f"{village[0]}第{number}网格", f"Grid {number}, {village[1]}"


def unit_grid_name(unit: tuple[str, str]) -> tuple[str, str]:
    """Name of a school or enterprise grid, after the unit it covers.

    >>> unit_grid_name(("高坎镇中学", "Gaokan Town Middle School"))
    ('高坎镇中学网格', 'Gaokan Town Middle School Grid')
    """
    return f"{unit[0]}网格", f"{unit[1]} Grid"


def reading_order(xy: np.ndarray, band: float) -> np.ndarray:
    """Indices sorting points north to south in bands of ``band``, then west to east.

    >>> reading_order(np.array([[0.0, 0.0], [5.0, 10.0], [1.0, 10.0]]), 5.0).tolist()
    [2, 1, 0]
    """
    return np.lexsort((xy[:, 0], np.floor(-xy[:, 1] / band)))


def label_areas(rng: np.random.Generator, city_code: str, xy: np.ndarray, township: np.ndarray,
                village: np.ndarray, grid_type: np.ndarray, urban: np.ndarray):
    """Codes and names of every township, village and grid of the demo city.

    Parameters
    ----------
    xy : (n, 2) array
        A point of each grid (metres, north up), used for reading order.
    township, village : (n,) int arrays
        Township and village label of each grid.
    grid_type : (n,) array of str
    urban : (17,) bool array
        Whether each township label is a subdistrict (街道), listed first.

    Returns
    -------
    township_rows, village_rows, grid_rows : lists of tuples
        ``(label, code, name, name_en)``, ``(label, code, name, name_en,
        township_code)`` and ``(index, code, name, name_en, village_code,
        township_code, grid_type)``.  Subdistricts are numbered 001-005 in
        label order, towns 101-112 north to south; communities 001-, rural
        villages 201- (the GB/T 10114 convention), grids 001- within their
        village, all in reading order.
    """
    centre = np.array([xy[township == t].mean(axis=0) for t in range(len(urban))])
    towns = np.flatnonzero(~urban)
    order = list(np.flatnonzero(urban)) + list(towns[reading_order(centre[towns], 4000.0)])
    t_names = list(SUBDISTRICTS) + list(TOWNS)
    community = iter(community_names(rng, int(np.unique(village[urban[township]]).size)))
    rural = iter(village_names(rng, int(np.unique(village[~urban[township]]).size)))
    company = iter(company_names(rng, int((grid_type == "enterprise").sum())))
    t_rows, v_rows, g_rows = [], [], []
    for rank, t in enumerate(order):
        is_urban = bool(urban[t])
        t_code = f"{city_code}{rank + 1 if is_urban else 100 + rank + 1 - urban.sum():03d}"
        t_rows.append((t, t_code, *t_names[rank]))
        labels = np.unique(village[township == t])
        v_centre = np.array([xy[village == v].mean(axis=0) for v in labels])
        schools = iter(school_names(t_names[rank], int(((township == t) & (grid_type == "school")).sum()),
                                    urban=is_urban))
        for v_rank, v in enumerate(labels[reading_order(v_centre, 1500.0)]):
            v_code = f"{t_code}{v_rank + (1 if is_urban else 201):03d}"
            v_name = next(community if is_urban else rural)
            v_rows.append((v, v_code, *v_name, t_code))
            members = np.flatnonzero(village == v)
            ordinary = 0
            for g_rank, g in enumerate(members[reading_order(xy[members], 400.0)]):
                kind = str(grid_type[g])
                if kind == "urban_rural":
                    ordinary += 1
                    g_name = grid_name(v_name, ordinary)
                else:
                    g_name = unit_grid_name(next(schools if kind == "school" else company))
                g_rows.append((g, f"{v_code}{g_rank + 1:03d}", *g_name, v_code, t_code, kind))
    return t_rows, v_rows, g_rows


__all__ = ["label_areas", "reading_order", "SUBDISTRICTS", "TOWNS", "community_names", "village_names", "company_names",
           "school_names", "grid_name", "unit_grid_name"]
