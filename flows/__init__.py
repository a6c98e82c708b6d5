"""fazhi: open data from Chinese governments' annual rule-of-law-government reports."""

__version__ = "0.1.0"
