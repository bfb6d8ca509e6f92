"""A font with Chinese glyphs for the exports, found on this machine (never fetched).

Deployments run on intranets, so the PDF and the chart images must draw
Chinese with a font that is already there.  The search, first hit wins:

1. the ``report_font`` setting (``GRIDBOARD_REPORT_FONT``): a .ttf/.otf/.ttc file;
2. a known CJK family among the fonts matplotlib has found (``PREFERRED``);
3. any font fontconfig lists for Chinese (``fc-list :lang=zh``).

Each candidate must really hold the glyphs the briefing uses (``SAMPLE``).
If none does, :class:`MissingFontError` says what to install or set.

The PDF keeps text as text: fonts with TrueType outlines are embedded as
Type 42; fonts with CFF outlines (Noto Sans CJK, Source Han Sans) as Type 3,
because matplotlib would write CFF outlines into a TrueType stream, which
poppler flags and strict viewers may refuse.  Both kinds embed only the
glyphs used and keep a ToUnicode map, so the text can be searched and copied.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

# glyphs every briefing draws: if a font lacks these it would print boxes
SAMPLE = "办结率满意度乡镇街道案件网格超时党建学习周报上升下降个百分点▲▼"
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "Microsoft YaHei",
             "PingFang SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "Noto Sans CJK TC",
             "Noto Sans CJK JP", "Droid Sans Fallback", "AR PL UMing CN")
LATIN_FALLBACK = "DejaVu Sans"


class MissingFontError(RuntimeError):
    """No font with Chinese glyphs could be found: the exports would print empty boxes."""


@dataclass(frozen=True)
class CjkFont:
    """The chosen font: file, face inside a collection, family name, outline kind."""

    path: str
    index: int
    family: str
    truetype_outlines: bool

    @property
    def pdf_fonttype(self) -> int:
        """42 (real TrueType embedding) for glyf outlines, 3 for CFF outlines (see the module note)."""
        return 42 if self.truetype_outlines else 3

    def matplotlib_rc(self) -> dict:
        """rcParams that draw every text of a figure in this font."""
        return {"font.family": [self.family, LATIN_FALLBACK], "pdf.fonttype": self.pdf_fonttype,
                "axes.unicode_minus": False, "svg.fonttype": "path"}


def _inspect(path: str, index: int) -> tuple[bool, bool]:
    """(holds every SAMPLE glyph, has TrueType outlines) for one face of a font file."""
    from fontTools.ttLib import TTFont
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        cmap = font.getBestCmap() or {}
        return all(ord(ch) in cmap for ch in SAMPLE), "glyf" in font
    except Exception:  # unreadable or not a font: not a candidate
        return False, False


def _entries_for(path: str):
    """matplotlib's entries (one per face) for a font file, registering the file if needed."""
    from matplotlib import font_manager as fm
    real = os.path.realpath(path)
    found = [e for e in fm.fontManager.ttflist if os.path.realpath(e.fname) == real]
    if not found:
        fm.fontManager.addfont(path)
        found = [e for e in fm.fontManager.ttflist if os.path.realpath(e.fname) == real]
    return found


def _pick_face(entries):
    """Prefer the Simplified Chinese face of a collection (``… SC`` / ``… CN``), else the first."""
    def rank(e):
        name = e.name
        return (0 if name.endswith((" SC", " CN")) else 1, "Mono" in name, getattr(e, "index", 0))
    return sorted(entries, key=rank)[0] if entries else None


def _usable(entry) -> CjkFont | None:
    if entry is None:
        return None
    index = getattr(entry, "index", 0) or 0
    covers, truetype = _inspect(entry.fname, index)
    return CjkFont(entry.fname, index, entry.name, truetype) if covers else None


def _from_fontconfig() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()})


@functools.lru_cache(maxsize=4)  # a per-process lookup of machine configuration, not data
def find_cjk_font(setting: str | None = None) -> CjkFont:
    """The font the exports draw Chinese with; see the module note for the search order.

    ``setting``: the ``report_font`` setting (a file path) or None.
    Raises :class:`MissingFontError` naming what is missing.
    """
    from matplotlib import font_manager as fm
    if setting:
        if not os.path.isfile(setting):
            raise MissingFontError(f"GRIDBOARD_REPORT_FONT names {setting!r}, which is not a file")
        font = _usable(_pick_face(_entries_for(setting)))
        if font is None:
            raise MissingFontError(f"GRIDBOARD_REPORT_FONT {setting!r} lacks Chinese glyphs (e.g. 办结率); "
                                   "point it at a CJK font such as NotoSansCJK-Regular.ttc")
        return font
    by_name: dict[str, list] = {}
    for e in fm.fontManager.ttflist:
        by_name.setdefault(e.name, []).append(e)
    for name in PREFERRED:
        faces = by_name.get(name, [])
        regular = [e for e in faces if e.weight in (400, "normal", "regular")] or faces
        font = _usable(_pick_face(regular))
        if font is not None:
            return font
    for path in _from_fontconfig():
        font = _usable(_pick_face(_entries_for(path)))
        if font is not None:
            return font
    raise MissingFontError(
        "no font with Chinese glyphs was found on this machine, so the briefing cannot be exported. "
        "Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; RHEL: google-noto-sans-cjk-fonts) "
        "or set GRIDBOARD_REPORT_FONT to a .ttf/.otf/.ttc file with Chinese glyphs.")
