"""Stage 4: versioned CSV releases per report year, their docs and the release index page.

One entry, ``releases.publish_years`` (and ``publish_year``). Modules, each importing only those
above it in this list: ``model`` (a release table, its CSV form, the errors), ``versions`` (version
directories, checksums, ``latest.json``), ``tables`` (what a release holds, read from the
warehouse), ``docs`` (``datapackage.json``, ``README.md`` from ``templates/``, ``CHANGELOG.md``),
``index_page`` (``releases/index.html``), ``releases`` (a publish, in order).
"""
