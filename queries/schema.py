"""The data model: SQLAlchemy 2 Core tables.

Times are naive local wall-clock times of the deployment's time zone (China has
no daylight saving, so they are unambiguous); a "day" is a local calendar day.
Geometries are stored as WKB in EPSG:4326 so that the same schema runs on
SQLite and on PostgreSQL without a spatial extension; point-in-polygon and
simplification happen in ``geo/`` with shapely.

Scope columns (``township_code``, ``village_code``) are denormalised onto the
fact tables so that every panel filters on one indexed column whatever the
level of the view.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index,
    Integer, LargeBinary, MetaData, String, Table, Text, UniqueConstraint, text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

LEVELS = ("city", "township", "village", "grid")
GRID_TYPES = ("urban_rural", "school", "enterprise")
NODES = ("received", "claimed", "dispatched", "handled", "closed")
CASE_LEVELS = ("village", "township", "city", "department")
SOURCES = ("hotline", "patrol", "chat_group", "service_hall", "photo")
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")
EVENT_KINDS = NODES + ("escalate", "urge", "verify", "rate", "reopen", "remind")
ORG_KINDS = ("committee", "general_branch", "branch", "group")
SESSION_KINDS = ("branch_meeting", "committee_meeting", "group_meeting",
                 "party_lesson", "theme_day", "online_study")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


def _area_columns() -> list[Column]:
    """Geometry and its derived figures, shared by township, village and grid."""
    return [
        Column("geom", LargeBinary, nullable=False, doc="WKB, EPSG:4326"),
        Column("centroid_lon", Float, nullable=False),
        Column("centroid_lat", Float, nullable=False),
        Column("area_km2", Float, nullable=False),
    ]


city = Table(
    "city", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(64)),
)

township = Table(
    "township", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(96)),
    Column("city_code", String(12), ForeignKey("city.code"), nullable=False),
    *_area_columns(),
)

village = Table(
    "village", metadata,
    Column("code", String(15), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(96)),
    Column("township_code", String(12), ForeignKey("township.code"), nullable=False, index=True),
    *_area_columns(),
)

grid = Table(
    "grid", metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(96)),
    Column("village_code", String(15), ForeignKey("village.code"), nullable=False, index=True),
    Column("township_code", String(12), ForeignKey("township.code"), nullable=False, index=True),
    Column("grid_type", String(16), nullable=False),
    *_area_columns(),
    CheckConstraint(_in("grid_type", GRID_TYPES), name="grid_type"),
)

grid_worker = Table(
    "grid_worker", metadata,
    Column("id", Integer, primary_key=True),
    Column("grid_code", String(20), ForeignKey("grid.code"), nullable=False, unique=True),
    Column("name", String(32), nullable=False),
    Column("phone", String(20)),
)

patrol = Table(
    "patrol", metadata,
    Column("id", Integer, primary_key=True),
    Column("worker_id", Integer, ForeignKey("grid_worker.id"), nullable=False, index=True),
    Column("grid_code", String(20), ForeignKey("grid.code"), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("distance_m", Integer, nullable=False, default=0),
    Column("end_lon", Float),
    Column("end_lat", Float),
    Index("ix_patrol_grid_started", "grid_code", "started_at"),
)

case = Table(
    "case", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(16), nullable=False),
    Column("source_ref", String(64), doc="the source system's own id; unique per source"),
    Column("category", String(32), nullable=False),
    Column("item", String(64), nullable=False),
    Column("title", String(200), nullable=False, default=""),
    Column("grid_code", String(20), ForeignKey("grid.code"), nullable=False),
    Column("village_code", String(15), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("node", String(16), nullable=False, default="received"),
    Column("level", String(16), nullable=False, default="village"),
    Column("department", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("claimed_at", DateTime, doc="first response; response time = claimed_at - created_at"),
    Column("handled_at", DateTime),
    Column("closed_at", DateTime),
    Column("response_due", DateTime, nullable=False, doc="claim by this time or a reminder is due"),
    Column("deadline", DateTime, nullable=False, doc="resolution deadline for the category and level"),
    Column("escalations", Integer, nullable=False, default=0),
    Column("urges", Integer, nullable=False, default=0),
    Column("rating", String(24)),
    Column("rated_at", DateTime),
    Column("verified_at", DateTime, doc="on-site verification by the grid worker (needed before closing)"),
    Column("reminded_at", DateTime, doc="when the response reminder was raised (not claimed by response_due)"),
    Column("reopens", Integer, nullable=False, default=0, server_default=text("0")),
    Column("updated_at", DateTime, doc="time of the newest event: a new event may not be older"),
    CheckConstraint(_in("node", NODES), name="node"),
    CheckConstraint(_in("level", CASE_LEVELS), name="level"),
    CheckConstraint(_in("source", SOURCES), name="source"),
    CheckConstraint("rating IS NULL OR " + _in("rating", RATINGS), name="rating"),
    UniqueConstraint("source", "source_ref"),
    Index("ix_case_township_created", "township_code", "created_at"),
    Index("ix_case_village_created", "village_code", "created_at"),
    Index("ix_case_grid_created", "grid_code", "created_at"),
    Index("ix_case_created", "created_at"),
    # open cases are a few percent of all: overdue and reminder-due scans use these
    Index("ix_case_open_deadline", "closed_at", "deadline"),
    Index("ix_case_node_township", "node", "township_code"),
    *[Index(f"ix_case_open_{col.split('_')[0]}", col, "deadline",
            sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL"))
      for col in ("township_code", "village_code", "grid_code")],
)

case_event = Table(
    "case_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("case.id"), nullable=False),
    Column("seq", Integer, nullable=False, doc="1, 2, 3 … within the case"),
    Column("kind", String(16), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False, default=""),
    Column("level", String(16), nullable=False),
    Column("department", String(64)),
    Column("note", Text),
    CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
    CheckConstraint(_in("level", CASE_LEVELS), name="level"),
    UniqueConstraint("case_id", "seq"),
    Index("ix_case_event_at", "at"),
)

# Rollups: maintained by the write path (and rebuildable from case/case_event),
# so that panels read thousands of rows, not millions.
case_day = Table(
    "case_day", metadata,
    Column("day", Date, primary_key=True),
    Column("grid_code", String(20), primary_key=True),
    Column("village_code", String(15), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("created", Integer, nullable=False, default=0, doc="cases created this day"),
    Column("closed", Integer, nullable=False, default=0, doc="cases closed this day"),
    Column("claimed", Integer, nullable=False, default=0, doc="cases first claimed this day"),
    Column("response_s", Float, nullable=False, default=0, doc="sum of response seconds of those claims"),
    Column("escalated", Integer, nullable=False, default=0, doc="escalation events this day"),
    Column("rated", Integer, nullable=False, default=0),
    Column("satisfied", Integer, nullable=False, default=0),
    Column("basically_satisfied", Integer, nullable=False, default=0),
    Column("dissatisfied", Integer, nullable=False, default=0),
    # the current node of the cases created this day (moves as they progress)
    Column("at_received", Integer, nullable=False, default=0),
    Column("at_claimed", Integer, nullable=False, default=0),
    Column("at_dispatched", Integer, nullable=False, default=0),
    Column("at_handled", Integer, nullable=False, default=0),
    Column("at_closed", Integer, nullable=False, default=0),
    Column("escalated_cases", Integer, nullable=False, default=0,
           doc="cases created this day that have been escalated at least once"),
    Index("ix_case_day_township_day", "township_code", "day"),
    Index("ix_case_day_village_day", "village_code", "day"),
)

case_day_category = Table(
    "case_day_category", metadata,
    Column("day", Date, primary_key=True),
    Column("village_code", String(15), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("township_code", String(12), nullable=False),
    Column("created", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
    Index("ix_case_day_category_township_day", "township_code", "day"),
)

# response-time histogram per village and day: p90 from buckets, not from rows
case_day_response = Table(
    "case_day_response", metadata,
    Column("day", Date, primary_key=True),
    Column("village_code", String(15), primary_key=True),
    Column("bucket", Integer, primary_key=True, doc="upper bound in minutes, see queries.rollups"),
    Column("township_code", String(12), nullable=False),
    Column("n", Integer, nullable=False, default=0),
    Index("ix_case_day_response_township_day", "township_code", "day"),
)

data_version = Table(
    "data_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime),
)

party_org = Table(
    "party_org", metadata,
    Column("code", String(24), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(96), nullable=False),
    Column("parent_code", String(24), ForeignKey("party_org.code")),
    Column("township_code", String(12), nullable=False, index=True),
    Column("village_code", String(15), index=True),
    Column("grid_code", String(20)),
    CheckConstraint(_in("kind", ORG_KINDS), name="kind"),
)

party_member = Table(
    "party_member", metadata,
    Column("id", Integer, primary_key=True),
    Column("org_code", String(24), ForeignKey("party_org.code"), nullable=False, index=True),
    Column("name", String(32), nullable=False),
    Column("gender", String(1), nullable=False),
    Column("born", Integer),
    Column("joined_on", Date),
    Column("township_code", String(12), nullable=False, index=True),
    Column("village_code", String(15)),
)

study_session = Table(
    "study_session", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("org_code", String(24), ForeignKey("party_org.code"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("online", Boolean, nullable=False, default=False),
    Column("expected", Integer, nullable=False, doc="members called to attend"),
    Column("township_code", String(12), nullable=False),
    Column("village_code", String(15)),
    CheckConstraint(_in("kind", SESSION_KINDS), name="kind"),
    CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
    Index("ix_study_session_township_starts", "township_code", "starts_at"),
    Index("ix_study_session_starts", "starts_at"),
)

attendance = Table(
    "attendance", metadata,
    Column("session_id", Integer, ForeignKey("study_session.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("party_member.id"), primary_key=True, index=True),
    Column("present", Boolean, nullable=False),
)

map_layer = Table(
    "map_layer", metadata,
    Column("level", String(16), primary_key=True, doc="the level whose areas are drawn"),
    Column("scope_code", String(20), primary_key=True, doc="'' for the city-wide layer"),
    Column("geojson", Text, nullable=False),
    Column("etag", String(40), nullable=False),
)


# --- access: users, tokens, audit -------------------------------------------------

ROLES = ("operator", "official", "township_leader", "village_leader", "admin")
TOKEN_KINDS = ("source", "kiosk")

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(24), nullable=False),
    Column("scope_level", String(16), nullable=False, doc="home scope: the whole subtree is granted"),
    Column("scope_code", String(20), nullable=False, default="", server_default=""),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False, server_default=text("false")),
    Column("failed_logins", Integer, nullable=False, default=0, server_default=text("0")),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("password_changed_at", DateTime),
    Column("last_login_at", DateTime),
    CheckConstraint(_in("role", ROLES), name="role"),
    CheckConstraint(_in("scope_level", LEVELS), name="scope_level"),
)

api_token = Table(
    "api_token", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False, doc="source: writes cases for its source; kiosk: reads one scope"),
    Column("name", String(64), nullable=False, default="", server_default=""),
    Column("source", String(16), doc="kind=source: the channel it writes for"),
    Column("scope_level", String(16), doc="kind=kiosk: the scope it may read"),
    Column("scope_code", String(20)),
    Column("token_hash", String(64), nullable=False, unique=True, doc="sha256 of the secret; the secret is shown once"),
    Column("prefix", String(12), nullable=False, doc="first characters of the secret, to recognise it in lists"),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False, default="", server_default=""),
    Column("revoked_at", DateTime),
    Column("last_used_at", DateTime),
    CheckConstraint(_in("kind", TOKEN_KINDS), name="kind"),
    CheckConstraint("kind <> 'source' OR " + _in("source", SOURCES), name="source"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(96), nullable=False, default="", server_default="",
           doc="user name, token:<id> or '' for anonymous"),
    Column("action", String(32), nullable=False, doc="login, login_failed, logout, user_add, token_create, export, denied, ..."),
    Column("target", String(200), nullable=False, default="", server_default=""),
    Column("detail", Text),
    Column("ip", String(64)),
    Index("ix_audit_log_at", "at"),
)
