"""Stage 3: staged documents -> Parquet datasets and the DuckDB warehouse, with data checks and views."""
