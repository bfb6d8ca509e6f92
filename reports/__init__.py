"""The weekly briefing as documents: findings in words, charts, PDF and PPTX. No SQL, no Dash here.

Everything is built from one :class:`queries.briefing.Briefing`, so the page
(``dashboards/briefing.py``) and both exports state the same numbers.
"""
