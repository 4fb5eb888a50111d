"""The archive's default language, as the site generator that wrote it is configured.

A static site names the language of its pages once, in the generator's
configuration at the site's root; a page that declares none, sits in no
language folder and whose text does not tell its language with confidence is
in that language, as the generator renders it. Read here (each file at the
archive root, read as text, never executed, at most ``MAX_BYTES``):

- Hugo: ``defaultContentLanguage`` (else the site's ``languageCode``) in
  ``hugo.toml``/``.yaml``/``.yml``/``.json`` or ``config.*``, also under
  ``config/_default/`` (keys are case-insensitive, as Hugo reads them);
- Zola: ``default_language`` in ``config.toml``;
- Jekyll: ``lang`` in ``_config.yml`` (what jekyll-seo-tag and its themes read);
- Pelican: ``DEFAULT_LANG`` in ``pelicanconf.py``;
- MkDocs: ``theme.language`` in ``mkdocs.yml``;
- Astro/Starlight: ``defaultLocale`` in ``astro.config.*`` (Starlight's ``root``
  locale by its ``lang``); Eleventy: ``language`` in ``_data/metadata.*`` or
  ``_data/site.*`` (the base blog's convention; its configuration is code).

The first file found in that order that names a language decides.
``archive-search.toml``'s ``default_lang`` overrides it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from indexer.safe_read import read_beneath
from search.languages import NEUTRAL, normalise_lang

MAX_BYTES = 256 * 1024
"""A configuration file is small; a larger one is read up to this (the key is near the top)."""

_HUGO_NAMES = ("hugo", "config")
_HUGO_FOLDERS = ("", "config/_default/")
_HUGO_EXTENSIONS = ("toml", "yaml", "yml", "json")


@dataclass(frozen=True)
class SiteLanguage:
    """A language named by the generator's configuration, and the file that names it."""

    lang: str
    source: str


def _load(relpath: str, text: str) -> Any:
    """The data of a TOML, YAML or JSON file (None when it does not parse)."""
    try:
        if relpath.endswith(".toml"):
            return tomllib.loads(text)
        if relpath.endswith(".json"):
            return json.loads(text)
        return yaml.load(text, Loader=_TolerantLoader)  # noqa: S506 (a safe loader)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None


class _TolerantLoader(yaml.SafeLoader):
    """The safe loader, reading any tag (MkDocs' ``!!python/name:…``, ``!ENV``) as plain data."""


_TolerantLoader.add_multi_constructor("", lambda loader, _suffix, node: _plain(loader, node))


def _plain(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _key(data: Any, *path: str) -> object:
    """``data[path…]`` with keys matched without regard to case (Hugo's), or None."""
    for name in path:
        if not isinstance(data, dict):
            return None
        data = next((v for k, v in data.items() if str(k).lower() == name.lower()), None)
    return data


def hugo(data: Any) -> object:
    return _key(data, "defaultContentLanguage") or _key(data, "languageCode")


def zola(data: Any) -> object:
    return _key(data, "default_language")


def jekyll(data: Any) -> object:
    return _key(data, "lang")


def mkdocs(data: Any) -> object:
    return _key(data, "theme", "language")


_PELICAN = re.compile(r"""^DEFAULT_LANG\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_ASTRO_DEFAULT = re.compile(r"""\bdefaultLocale\s*:\s*['"]([^'"]+)['"]""")
_STARLIGHT_ROOT = re.compile(r"""\broot\s*:\s*\{[^{}]*?\blang\s*:\s*['"]([^'"]+)['"]""")
_ELEVENTY = re.compile(r"""["']?\blanguage["']?\s*:\s*['"]([^'"]+)['"]""")


def pelican(text: str) -> object:
    found = _PELICAN.search(text)
    return found.group(1) if found else None


def astro(text: str) -> object:
    found = _ASTRO_DEFAULT.search(text)
    if found is None:
        return None
    if found.group(1) == "root":  # Starlight: the root locale's lang names the language
        root = _STARLIGHT_ROOT.search(text)
        return root.group(1) if root else None
    return found.group(1)


def eleventy(text: str) -> object:
    found = _ELEVENTY.search(text)
    return found.group(1) if found else None


def _candidates() -> Iterable[tuple[str, Callable[[str, str], object]]]:
    """(file, reader of its text) in the order they are tried."""

    def data(read: Callable[[Any], object]) -> Callable[[str, str], object]:
        return lambda relpath, text: read(_load(relpath, text))

    for folder in _HUGO_FOLDERS:
        for name in _HUGO_NAMES:
            for extension in _HUGO_EXTENSIONS:
                relpath = f"{folder}{name}.{extension}"
                if relpath == "config.toml":  # Hugo's or Zola's: either key
                    yield relpath, data(lambda d: hugo(d) or zola(d))
                else:
                    yield relpath, data(hugo)
    yield "_config.yml", data(jekyll)
    yield "_config.yaml", data(jekyll)
    yield "pelicanconf.py", lambda _relpath, text: pelican(text)
    yield "mkdocs.yml", data(mkdocs)
    yield "mkdocs.yaml", data(mkdocs)
    for extension in ("mjs", "js", "ts", "mts", "cjs"):
        yield f"astro.config.{extension}", lambda _relpath, text: astro(text)
    for name in ("metadata", "site"):
        for extension in ("json", "js", "cjs", "mjs", "yml", "yaml"):
            yield f"_data/{name}.{extension}", lambda _relpath, text: eleventy(text)


def site_language(root: str) -> SiteLanguage | None:
    """The default language the generator's configuration at ``root`` names, if any."""
    for relpath, read in _candidates():
        try:
            text = read_beneath(root, relpath, MAX_BYTES).data.decode("utf-8-sig", "replace")
        except OSError:
            continue  # absent (the usual case), unreadable or not a regular file
        value = read(relpath, text)
        code = normalise_lang(value) if isinstance(value, str) else None
        if code and code != NEUTRAL:
            return SiteLanguage(code, relpath)
    return None
