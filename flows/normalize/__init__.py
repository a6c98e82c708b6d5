"""Stage 2: archived snapshots -> documents, sections and metrics (pure parsing), staged per document."""
