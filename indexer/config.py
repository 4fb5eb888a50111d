"""Per-archive settings, read from an optional ``archive-search.toml`` at the archive root.

Format (every key is optional; unknown keys and wrong types are refused with a
message naming the key)::

    # Language of articles that declare none, sit in no language folder and
    # whose language is not detected with confidence (a code such as "en";
    # "und" = undetermined, analysed without stemming). Without it, the
    # language the site generator's configuration names (indexer.site_language).
    default_lang = "en"

    # Detect the language of such articles from their text (default true);
    # false gives them default_lang without reading their text for it.
    detect_lang = true

    # Globs on the path relative to the archive root, with "/" separators.
    # "*" and "?" stay within one folder, "**" spans folders ("**/" may match
    # nothing); a pattern without "/" matches a file name at any depth.
    # Empty include = every file. An exclude also matches any parent folder.
    include = ["**/*.md", "**/*.txt"]
    exclude = ["drafts/**", "*.bak"]

    # Files are read up to this size (MB, default 8: the 2,000,000 characters
    # indexed per file in any encoding); the size is checked before reading,
    # and a longer file is indexed up to it, with a warning.
    max_file_mb = 8

    # Tables (CSV, TSV, JSON Lines, JSON arrays: one article per row, streamed
    # whole whatever max_file_mb says): the
    # column of a field, for the files matching a glob, when its name does not
    # say it (fields: title, text, summary, date, authors, url, tags, lang, id).
    [tables."news/*.csv"]
    title = "headline_en"
    text = "story"

    # Default publication for the articles under a folder (the longest
    # matching folder wins); front matter and metadata lines take precedence.
    [publications]
    "bbc" = "BBC News"
    "jamestown/edm" = "Eurasia Daily Monitor"

The file itself is never indexed as an article.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from indexer.safe_read import DEFAULT_MAX_FILE_BYTES
from indexer.site_language import SiteLanguage, site_language
from search.languages import NEUTRAL, normalise_lang

CONFIG_NAME = "archive-search.toml"
_KEYS = (
    "default_lang",
    "detect_lang",
    "publications",
    "include",
    "exclude",
    "max_file_mb",
    "tables",
)
TABLE_FIELDS = ("title", "text", "summary", "date", "authors", "url", "tags", "lang", "id")


class ConfigError(ValueError):
    """The archive's configuration file is missing (when named), unreadable or invalid."""


@dataclass(frozen=True)
class ArchiveConfig:
    default_lang: str = NEUTRAL
    publications: dict[str, str] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    detect_lang: bool = True
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    """Glob → (field → column) for tabular files."""
    site_lang: SiteLanguage | None = None
    """The generator's default language, when ``default_lang`` is not set here."""

    def publication_for(self, relpath: str) -> str | None:
        """The configured publication of the deepest folder prefix of ``relpath``, if any."""
        best: tuple[int, str] | None = None
        for prefix, name in self.publications.items():
            if (relpath == prefix or relpath.startswith(prefix + "/")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), name)
        return best[1] if best else None


def load_config(root: Path, explicit: Path | None = None) -> ArchiveConfig:
    """The configuration: ``explicit`` (must exist), else the root's file, else defaults."""
    path = explicit if explicit is not None else root / CONFIG_NAME
    if explicit is None and not path.is_file():
        return ArchiveConfig(site_lang=site_language(str(root)))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    config = config_from_mapping(data, str(path))
    if "default_lang" in data:
        return config
    return dataclasses.replace(config, site_lang=site_language(str(root)))


def config_from_mapping(data: dict[str, object], where: str = CONFIG_NAME) -> ArchiveConfig:
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(_KEYS)}"
        )
    return ArchiveConfig(
        default_lang=_lang(data.get("default_lang", NEUTRAL), where),
        publications=_publications(data.get("publications", {}), where),
        include=_globs(data.get("include", []), "include", where),
        exclude=_globs(data.get("exclude", []), "exclude", where),
        max_file_bytes=_megabytes(data.get("max_file_mb"), where),
        detect_lang=_bool(data.get("detect_lang", True), "detect_lang", where),
        tables=_tables(data.get("tables", {}), where),
    )


def _bool(value: object, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


def _tables(value: object, where: str) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: [tables."glob"] must be tables of field = "column"')
    result: dict[str, dict[str, str]] = {}
    for glob, columns in value.items():
        if not isinstance(columns, dict) or not all(
            isinstance(c, str) and c.strip() for c in columns.values()
        ):
            raise ConfigError(f"{where}: tables.{glob!r} must map fields to column names")
        unknown = sorted(set(columns) - set(TABLE_FIELDS))
        if unknown:
            raise ConfigError(
                f"{where}: tables.{glob!r}: unknown field(s) {', '.join(unknown)}; "
                f"expected {', '.join(TABLE_FIELDS)}"
            )
        result[str(glob)] = {f: c.strip() for f, c in columns.items()}
    return result


def _lang(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f'{where}: default_lang must be a string such as "en"')
    if value.strip().lower() == NEUTRAL:
        return NEUTRAL
    code = normalise_lang(value)
    if code is None:
        raise ConfigError(f"{where}: default_lang {value!r} is not a language code")
    return code


def _publications(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: [publications] must be a table of folder = "name"')
    result: dict[str, str] = {}
    for folder, name in value.items():
        prefix = str(folder).replace("\\", "/").strip("/")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: publications.{folder!r} must be a non-empty string")
        if not prefix or ".." in prefix.split("/"):
            raise ConfigError(f"{where}: publications key {folder!r} is not a folder path")
        result[prefix] = name.strip()
    return result


def _megabytes(value: object, where: str) -> int:
    if value is None:
        return DEFAULT_MAX_FILE_BYTES
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 4096:
        raise ConfigError(f"{where}: max_file_mb must be a number of megabytes, 0 to 4096")
    return int(value * 1024 * 1024)


def _globs(value: object, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {key} must be a list of glob strings")
    return tuple(value)
