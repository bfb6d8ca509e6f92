"""Every field the intake API accepts, declared once.

Validation (:mod:`intake.validate`) reads a body through these declarations
and the OpenAPI document (``api/openapi.py``) is generated from them, so the
document cannot say something the server does not do: a field is accepted
exactly when it is documented, and anything else is refused by name.
"""
from __future__ import annotations

from dataclasses import dataclass

from intake.timeparse import FORMATS_HELP
from queries.lifecycle_rules import CLOCK_SKEW, STATES
from queries.schema import EVENT_KINDS, NODES, RATINGS
from queries.taxonomy import CATEGORIES, CATEGORY_CODES, DEPARTMENTS

ITEM_CODES = tuple(i.code for c in CATEGORIES for i in c.items)
DEPARTMENT_CODES = tuple(d.code for d in DEPARTMENTS)
# "received" is the creation itself and "rate" has its own route (with its own field)
EVENT_KINDS_API = tuple(k for k in EVENT_KINDS if k not in ("received", "rate"))
SORTS = ("created_at", "updated_at", "id")
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Field:
    """One accepted field.

    ``kind`` is ``text``, ``number``, ``integer``, ``time`` or ``choice``;
    ``example`` is a value the server accepts (the OpenAPI test posts it).
    """
    name: str
    kind: str
    help: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    example: object = None
    default: object = None

    def schema(self) -> dict:
        """The field as an OpenAPI 3.0 schema object."""
        if self.kind == "time":
            out = {"type": "string", "description": f"{self.help} Format: {FORMATS_HELP}."}
        elif self.kind == "choice":
            out = {"type": "string", "enum": list(self.choices), "description": self.help}
        elif self.kind == "number":
            out = {"type": "number", "description": self.help}
        elif self.kind == "integer":
            out = {"type": "integer", "description": self.help}
        else:
            out = {"type": "string", "description": self.help}
            if self.required:
                out["minLength"] = 1
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.example is not None:
            out["example"] = self.example
        if self.default is not None:
            out["default"] = self.default
        return out


CASE_FIELDS: tuple[Field, ...] = (
    Field("source_ref", "text", "The sending system's own case id. Posting the same id again returns the "
          "case already made (status 200) instead of making a second one.", required=True, max_length=64,
          example="8890-20261120-00042"),
    Field("category", "choice", "Case class (大类) code, see GET /open311/v2/services.json for labels.",
          required=True, choices=CATEGORY_CODES, example="environment"),
    Field("item", "choice", "Case type (事项) code; it must belong to the category. Default: the category's "
          "most frequent item.", choices=ITEM_CODES, example="environment.garbage"),
    Field("title", "text", "Short description shown in case lists.", max_length=200, example="小区垃圾两天未清运"),
    Field("created_at", "time", "When the source received the case. Default: now. A time more than "
          f"{CLOCK_SKEW.seconds // 60} minutes ahead of the server's clock is refused.",
          example="2026-11-20T09:30:00+08:00"),
    Field("grid_code", "text", "Grid the case belongs to. Without it, lon and lat place the case in the "
          "grid that contains the point.", max_length=20, example=None),
    Field("lon", "number", "Longitude (WGS84) of the place; give lat too.", minimum=-180, maximum=180,
          example=122.5),
    Field("lat", "number", "Latitude (WGS84) of the place; give lon too.", minimum=-90, maximum=90,
          example=40.6),
    Field("actor", "text", "Who took the case in (operator name or system).", max_length=64,
          example="8890 operator 12"),
    Field("note", "text", "Full text of the request; kept on the trail's first event.", max_length=4000,
          example="居民反映小区东门垃圾桶满溢"),
)

EVENT_FIELDS: tuple[Field, ...] = (
    Field("kind", "choice", "What happened: a node reached (claimed, dispatched, handled, closed), an "
          "escalation one level up, an urge, an on-site verification, a reopening or a reminder.",
          required=True, choices=EVENT_KINDS_API, example="claimed"),
    Field("at", "time", "When it happened. Default: now. It may not be older than the case's newest event.",
          example="2026-11-20T10:00:00+08:00"),
    Field("actor", "text", "Who did it.", max_length=64, example="张伟"),
    Field("department", "choice", "For an escalation to a department: which one.", choices=DEPARTMENT_CODES,
          example=None),
    Field("note", "text", "Free text kept on the trail.", max_length=4000, example="已联系物业"),
)

RATING_FIELDS: tuple[Field, ...] = (
    Field("rating", "choice", "The resident's rating of a closed case.", required=True, choices=RATINGS,
          example="satisfied"),
    Field("at", "time", "When the rating was given. Default: now.", example="2026-11-20T10:20:00+08:00"),
    Field("actor", "text", "Who recorded it.", max_length=64, example="回访员"),
)

LIST_PARAMS: tuple[Field, ...] = (
    Field("status", "choice", "open: not closed; closed; overdue: open and past its deadline; reminder_due: "
          "open, unclaimed and past its response deadline; awaiting_verification: handled, not yet verified "
          "on site; awaiting_rating: closed and not rated since; reminded, escalated, urged, reopened: ever so.",
          choices=STATES),
    Field("node", "choice", "Current node.", choices=NODES),
    Field("category", "choice", "Case class code.", choices=CATEGORY_CODES),
    Field("item", "choice", "Case type code.", choices=ITEM_CODES),
    Field("grid_code", "text", "Only cases of this grid.", max_length=20),
    Field("village_code", "text", "Only cases of this village.", max_length=15),
    Field("township_code", "text", "Only cases of this township.", max_length=12),
    Field("source_ref", "text", "The sending system's own id.", max_length=64),
    Field("created_from", "time", "Received at or after this time."),
    Field("created_to", "time", "Received before this time."),
    Field("updated_since", "time", "Changed (newest event) at or after this time: for keeping a copy in step."),
    Field("sort", "choice", "Order by this column (ties by id).", choices=SORTS, default="created_at"),
    Field("order", "choice", "asc or desc.", choices=("asc", "desc"), default="desc"),
    Field("page", "integer", "Page number, from 1.", minimum=1, default=1),
    Field("page_size", "integer", "Cases per page.", minimum=1, maximum=MAX_PAGE_SIZE, default=50),
)

# What a case looks like in answers (documentation only: the server writes these).
CASE_OUT = {
    "id": ("integer", "Our case id."),
    "source": ("string", "Channel: hotline, patrol, chat_group, service_hall or photo."),
    "source_ref": ("string", "The sending system's own id."),
    "category": ("string", "Case class code."),
    "item": ("string", "Case type code."),
    "title": ("string", "Short description."),
    "grid_code": ("string", "Grid."),
    "village_code": ("string", "Village of the grid."),
    "township_code": ("string", "Township of the grid."),
    "lon": ("number", "Longitude, if known."),
    "lat": ("number", "Latitude, if known."),
    "node": ("string", "Current node: received, claimed, dispatched, handled or closed."),
    "level": ("string", "Where it is handled: village, township, city or department."),
    "department": ("string", "Department, at level department."),
    "created_at": ("time", "Received."),
    "claimed_at": ("time", "First claimed (response)."),
    "handled_at": ("time", "Handled."),
    "closed_at": ("time", "Closed."),
    "response_due": ("time", "Claim by this time or a reminder is due."),
    "deadline": ("time", "Resolution deadline."),
    "escalations": ("integer", "Times escalated."),
    "urges": ("integer", "Times urged."),
    "rating": ("string", "satisfied, basically_satisfied or dissatisfied."),
    "rated_at": ("time", "When rated."),
    "verified_at": ("time", "Verified on site."),
    "reminded_at": ("time", "Response reminder raised."),
    "reopens": ("integer", "Times reopened."),
    "updated_at": ("time", "Time of the newest event."),
}
EVENT_OUT = {
    "seq": ("integer", "1, 2, 3 … within the case."),
    "kind": ("string", "Event kind."),
    "at": ("time", "When."),
    "actor": ("string", "Who."),
    "level": ("string", "Level the case was at."),
    "department": ("string", "Department, if any."),
    "note": ("string", "Free text."),
}
