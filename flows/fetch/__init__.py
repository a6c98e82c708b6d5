"""Stage 1: the sources registry, HTTP fetching and the content-addressed raw/ archive."""
