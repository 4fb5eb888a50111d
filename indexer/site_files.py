"""Files of a site's machinery, not articles: data, configuration and templates.

Static-site sources keep them beside the posts (Eleventy's ``*.11tydata.js``
directory data, Jekyll's and Eleventy's ``_data/`` folder, Hugo's
``_content.gotmpl`` content adapters, ``*.njk``/``*.webc`` layouts). Indexed,
each became an "article" with an empty body or with code for text. They are
recognised by their names, as the generators recognise them, and skipped with
a reason that the build summary counts.

A ``.json`` file whose content is an array is a table of articles
(``indexer.tables``), not data.
"""

from __future__ import annotations

DATA_FILE = "site data file"
TEMPLATE_FILE = "site template"
DATA_EXTENSIONS = frozenset({"js", "cjs", "mjs", "ts", "json", "json5", "yml", "yaml", "toml"})
"""Read by generators as data or configuration (Eleventy data files, Hugo/Jekyll config)."""
TEMPLATE_EXTENSIONS = frozenset(
    {
        "njk",
        "liquid",
        "gotmpl",
        "webc",
        "hbs",
        "mustache",
        "ejs",
        "haml",
        "pug",
        "jsx",
        "tsx",
        "xsl",
    }
)
DATA_FOLDERS = frozenset({"_data"})
"""Jekyll's and Eleventy's global data folder."""
CONFIG_NAMES = frozenset({"pelicanconf.py", "publishconf.py"})
"""Pelican's settings, Python modules beside the content (read for the site's language)."""


def site_file_kind(relpath: str, text: str) -> str | None:
    """Why ``relpath`` (with content ``text``) is not an article, or None if it may be one."""
    segments = relpath.lower().split("/")
    if DATA_FOLDERS.intersection(segments[:-1]):
        return DATA_FILE
    name = segments[-1]
    if name in CONFIG_NAMES:
        return DATA_FILE
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension in TEMPLATE_EXTENSIONS or name.endswith((".11ty.js", ".11ty.cjs")):
        return TEMPLATE_FILE
    if extension in DATA_EXTENSIONS:
        if extension == "json" and text.lstrip().startswith("["):
            return None  # an array: rows of a table
        return DATA_FILE
    return None
