"""Discovery: find new reports on the listing pages of ``raw/listings.yaml``.

``classify`` (pure: is a link text a report title?), ``links`` (pure: a listing page's links, dates
and further pages), ``listings`` (the listings registry), ``state`` (the discovered registry and the
review queue) and ``run`` (fetching listings and recording candidates).
"""

from flows.fetch.discover.classify import Verdict, classify_link

__all__ = ["Verdict", "classify_link"]
