"""Stage 3: staged documents -> Parquet datasets and the DuckDB warehouse, with data checks and views.

One entry, ``warehouse.load_warehouse(LoadInputs)``; ``stages.load_stage`` assembles the inputs.
Modules, each importing only those above it in this list: ``columns`` (the column model and table
specs from the schemas), ``views``, ``parquet`` (dataset layout, writing, swapping in), ``specs``
(the tables the load writes), ``inputs`` (``LoadInputs`` and their digest), ``duckdb_build``,
``checks``, ``tables`` (the rows), ``warehouse`` (the load's steps in order).
"""
