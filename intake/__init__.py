"""Intake: what turns outside data into cases, without SQL and without HTTP.

* :mod:`intake.timeparse` reads the timestamps hotline systems send (ISO 8601
  with or without an offset, and the usual local formats) as naive local times.
* :mod:`intake.fields` declares every field the intake API accepts, once; both
  validation (:mod:`intake.validate`) and the OpenAPI document are built from it.
* :mod:`intake.tabular` reads CSV/XLSX exports (encodings, header mapping).
* :mod:`intake.batch` turns table rows into cases with row-named errors.
* :mod:`intake.open311` maps cases and categories to Open311 GeoReport v2.
"""
