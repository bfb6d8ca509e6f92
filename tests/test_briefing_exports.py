"""The briefing's PDF and PPTX: pages, slides, fonts, and the same numbers as the page.

One :class:`Briefing` of the fixture city (tests/fixture_city.py, SQLite) is
rendered as the page, the PDF and the slides; the PDF is rasterised with
``pdftoppm`` and read back with ``pdftotext`` (poppler-utils), the slides with
python-pptx, and every finding sentence and KPI cell must read the same in all
three.  The week-over-week figures are also recomputed from the raw case rows.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess

import pytest
from plotly.utils import PlotlyJSONEncoder

from queries.briefing import load_briefing
from queries.db import configure
from queries.scope import Scope
from queries.weeks import IsoWeek
from reports.content import SECTIONS, cover_lines, kpi_rows, longest_rows, ranking_series, sections
from tests.fixture_city import NOW, load_city
from tests.test_briefing import recompute_kpis

W46, W47 = IsoWeek(2026, 46), IsoWeek(2026, 47)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PAGES = len(SECTIONS) + 1   # a title page, then one page per section


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        msg = f"{tool} is needed to read the PDF back (Debian: poppler-utils)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def nows(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines where the layout wrapped them."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def font():
    from reports.fonts import MissingFontError, find_cjk_font
    try:
        return find_cjk_font(None)
    except MissingFontError as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def fixture_db(sqlite_engine, sqlite_url):
    load_city(sqlite_engine)
    configure(sqlite_url)
    return sqlite_url


@pytest.fixture
def app(fixture_db):
    from queries.cache import unbind_caches
    from tests.auth_helpers import make_app
    dash_app = make_app(fixture_db)   # frozen clock, a fixed secret key, every callback registered
    try:
        yield dash_app
    finally:
        unbind_caches()   # the caches are process-wide: leave them unbound as other tests expect


def pdf_text(data: bytes, tmp_path) -> str:
    """The PDF's text in drawing order (``-raw``: the layout mode reorders Type 3 glyphs within a line)."""
    path = tmp_path / "b.pdf"
    path.write_bytes(data)
    return subprocess.run([_need("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pptx_texts(data: bytes) -> tuple[list[str], list[list[str]], list[list[list[str]]]]:
    """(slide titles, text-box texts per slide, table cells per slide)."""
    from pptx import Presentation
    prs = Presentation(io.BytesIO(data))
    titles, boxes, tables = [], [], []
    for slide in prs.slides:
        titles.append(slide.shapes.title.text if slide.shapes.title is not None else "")
        boxes.append([sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title])
        tables.append([[c.text for c in row.cells]
                       for sh in slide.shapes if sh.has_table for row in sh.table.rows])
    return titles, boxes, tables


def test_pdf_is_a4_landscape_one_page_per_section_with_embedded_fonts(fixture_db, font, tmp_path):
    from reports.export import render
    b = load_briefing(Scope.city(), W47, NOW)
    data = render(b, "zh", "pdf", font)
    assert data.startswith(b"%PDF")
    (tmp_path / "b.pdf").write_bytes(data)
    subprocess.run([_need("pdftoppm"), "-png", "-r", "24", str(tmp_path / "b.pdf"), str(tmp_path / "page")],
                   check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == PAGES
    from PIL import Image
    for png in pngs:
        w, h = Image.open(png).size
        assert w / h == pytest.approx(297 / 210, rel=0.02)      # A4 landscape
    fonts = subprocess.run([_need("pdffonts"), str(tmp_path / "b.pdf")], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts   # every font embedded
    assert any("CJK" in line or font.family.replace(" ", "") in line for line in fonts)


def test_pptx_has_a_slide_per_section_with_titles_tables_and_pictures(fixture_db, font):
    from pptx import Presentation
    from reports.export import render
    b = load_briefing(Scope.city(), W47, NOW)
    data = render(b, "en", "pptx", font)
    titles, _boxes, tables = pptx_texts(data)
    assert titles == [cover_lines(b, "en")["title"]] + [s.title for s in sections(b, "en")]
    prs = Presentation(io.BytesIO(data))
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=0.01)
    for key, slide, table in zip(SECTIONS, list(prs.slides)[1:], tables[1:]):
        pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert (len(pictures), bool(table)) == ((0, True) if key in ("kpis", "longest") else (1, False)), key
    # every run names its East Asian font, so PowerPoint draws the Chinese with it
    runs = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    assert runs and all(r._r.rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
                        .get("typeface") == font.family for r in runs)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_numbers_in_both_exports_equal_the_numbers_on_the_page(app, font, tmp_path, lang):
    from dashboards.briefing import briefing_layout
    from reports.export import render
    with app.server.app_context():
        b = load_briefing(Scope.city(), W47, NOW)            # built once, shown three ways
        page = json.dumps(briefing_layout(b, lang).to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)
        pdf = nows(pdf_text(render(b, lang, "pdf", font), tmp_path))
        titles, boxes, tables = pptx_texts(render(b, lang, "pptx", font))
    secs = sections(b, lang)
    for i, s in enumerate(secs, start=1):
        assert s.finding in page, s.key
        assert nows(s.finding) in pdf, s.key
        assert s.finding in boxes[i], s.key
        assert titles[i] == s.title and nows(s.title) in pdf
    rows = kpi_rows(b, lang)
    kpi_slide = 1 + SECTIONS.index("kpis")
    assert tables[kpi_slide][1:] == [[r.label, r.this, r.prev, r.change] for r in rows]
    for r in rows:
        for cell in (r.label, r.this, r.prev, r.change):
            assert json.dumps(cell, ensure_ascii=False) in page, cell
            assert nows(cell) in pdf, cell
    longest_slide = 1 + SECTIONS.index("longest")
    assert tables[longest_slide][1:] == longest_rows(b, lang)
    # ... and those numbers are the ones recomputed from the raw cases
    want = recompute_kpis(W47)
    closure = f"{want['closure_rate'] * 100:.1f}%"
    assert next(r for r in rows if r.key == "closure_rate").this == closure
    assert closure in secs[0].finding and nows(closure) in pdf and closure in page
    # the ranking bars carry the same labels in the page and the slides' source series
    for s in ranking_series(b, lang):
        for r in s["rows"]:
            assert json.dumps(r["text"], ensure_ascii=False) in page


def test_every_character_of_the_briefing_has_a_glyph_in_the_font(fixture_db, font):
    from fontTools.ttLib import TTFont
    from queries.taxonomy import CATEGORIES
    cmap = TTFont(font.path, fontNumber=font.index, lazy=True).getBestCmap()
    b = load_briefing(Scope.city(), W47, NOW)
    text = []
    for lang in ("zh", "en"):
        text += [*cover_lines(b, lang).values(), *(s.title + s.finding for s in sections(b, lang))]
        text += [c for r in kpi_rows(b, lang) for c in (r.label, r.this, r.prev, r.change)]
        text += [c for row in longest_rows(b, lang) for c in row]
    text += [c.zh + c.en for c in CATEGORIES]
    missing = {ch for t in text for ch in t if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"no glyph for {sorted(missing)} in {font.family}"


def test_a_missing_cjk_font_is_named_not_printed_as_boxes(monkeypatch, tmp_path):
    from matplotlib import font_manager as fm
    from reports import fonts
    fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.MissingFontError, match="not a file"):
            fonts.find_cjk_font(str(tmp_path / "nope.ttf"))
        latin = fm.findfont(fm.FontProperties(family="DejaVu Sans"))
        with pytest.raises(fonts.MissingFontError, match="lacks Chinese glyphs"):
            fonts.find_cjk_font(latin)
        monkeypatch.setattr(fm.fontManager, "ttflist", [e for e in fm.fontManager.ttflist
                                                        if e.fname == latin])
        monkeypatch.setattr(fonts, "_from_fontconfig", lambda: [])
        with pytest.raises(fonts.MissingFontError, match="fonts-noto-cjk.*GRIDBOARD_REPORT_FONT"):
            fonts.find_cjk_font(None)
    finally:
        fonts.find_cjk_font.cache_clear()


def test_the_font_setting_picks_the_font(font):
    from reports import fonts
    fonts.find_cjk_font.cache_clear()
    try:
        chosen = fonts.find_cjk_font(font.path)
        assert chosen.path == font.path and chosen.family == font.family
    finally:
        fonts.find_cjk_font.cache_clear()


def test_cli_writes_the_same_briefing(fixture_db, font, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from cli.main import main
    from pptx import Presentation
    monkeypatch.setenv("GRIDBOARD_NOW", NOW.isoformat())
    out = tmp_path / "w47.pptx"
    result = CliRunner().invoke(main, ["--database-url", fixture_db, "briefing", "--week", "2026-W47",
                                       "--format", "pptx", "--lang", "zh", "--out", str(out)])
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    b = load_briefing(Scope.city(), W47, NOW)
    assert [s.shapes.title.text for s in prs.slides][1:] == [s.title for s in sections(b, "zh")]
    bad = CliRunner().invoke(main, ["--database-url", fixture_db, "briefing", "--week", "2026-W49"])
    assert bad.exit_code != 0 and "not started" in bad.output


def test_the_export_route_serves_both_formats_to_those_who_may_read_the_scope(tmp_path, font):
    from queries.cache import unbind_caches
    from tests.auth_helpers import client_for, make_app, seeded_city
    from tests.fixture_city import T1, T2
    dash_app = make_app(seeded_city(tmp_path / "auth.sqlite"))
    try:
        client = client_for(dash_app, "operator1")
        pdf = client.get("/briefing/export.pdf?week=2026-W46&lang=en")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert 'filename="briefing-city-2026-W46-en.pdf"' in pdf.headers["Content-Disposition"]
        deck = client.get(f"/briefing/export.pptx?township={T2}")
        assert deck.status_code == 200 and deck.data[:2] == b"PK"
        assert f"briefing-township-{T2}-2026-W46-zh.pptx" in deck.headers["Content-Disposition"]
        assert client.get("/briefing/export.pdf?week=2026-W60").status_code == 400
        assert client.get("/briefing/export.pdf?week=2026-W49").status_code == 400    # not started yet
        assert client.get("/briefing/export.pdf?township=210882999").status_code in (403, 404)
        assert client.get("/briefing/export.docx").status_code == 404
        # a township leader exports their own township, not another one nor the city; nobody gets nothing
        leader = client_for(dash_app, "t1_leader")
        assert leader.get(f"/briefing/export.pdf?township={T1}").status_code == 200
        assert leader.get(f"/briefing/export.pdf?township={T2}").status_code == 403
        assert leader.get("/briefing/export.pdf").status_code == 403
        assert client_for(dash_app).get("/briefing/export.pdf").status_code == 401
    finally:
        unbind_caches()


def test_an_export_has_no_timestamp_inside(fixture_db, font):
    """No creation date in the PDF: the same briefing gives the same bytes (comparable, cacheable)."""
    from reports.export import render
    b = load_briefing(Scope.city(), W46, NOW)
    assert render(b, "zh", "pdf", font) == render(b, "zh", "pdf", font)
