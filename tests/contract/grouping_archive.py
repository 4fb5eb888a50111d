"""A small archive of translation groups, for the grouping contract and web tests.

A summit story in four languages, a storm story in English and German, seven short
notes in English and German for paging, two single articles, a Hugo ``translationKey``
pair and a Hugo language-suffix pair (``weather.md`` beside ``weather.de.md``).
"""

from __future__ import annotations

PAGED = 7


def _md(title: str, body: str, date: str, tags: str = "[]", **meta: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in meta.items())
    return f"---\ntitle: {title!r}\ndate: {date}\ntags: {tags}\n{extra}---\n\n{body}\n"


def grouping_files() -> dict[str, str]:
    files = {
        "en/news/summit.md": _md(
            "Peace summit on Karabakh",
            "Diplomats met in Geneva for a peace summit on Karabakh. The summit ended late.",
            "2021-01-10",
            '["Diplomacy"]',
        ),
        "de/news/summit.md": _md(
            "Friedensgipfel zu Karabakh",
            "Diplomaten trafen sich in Genf zum Friedensgipfel über Karabakh. Der Gipfel "
            "endete spät.",
            "2021-01-11",
            '["Diplomatie"]',
        ),
        "fr/news/summit.md": _md(
            "Sommet de paix sur le Karabakh",
            "Les diplomates se sont réunis à Genève pour un sommet de paix sur le Karabakh.",
            "2021-01-12",
            '["Diplomatie"]',
        ),
        "ru/news/summit.md": _md(
            "Мирный саммит по Karabakh",
            "Дипломаты встретились в Женеве на мирном саммите по Karabakh.",
            "2021-01-13",
            '["Дипломатия"]',
        ),
        "en/news/storm.md": _md(
            "Storm over the Caucasus",
            "A storm crossed Karabakh and the mountains of the Caucasus.",
            "2020-06-01",
            '["Weather"]',
        ),
        "de/news/storm.md": _md(
            "Sturm über dem Kaukasus",
            "Ein Sturm zog über Karabakh und die Berge des Kaukasus.",
            "2020-06-02",
            '["Wetter"]',
        ),
        "en/news/solo.md": _md(
            "Karabakh travel notes",
            "Travel notes from Karabakh, written in English only.",
            "2019-03-03",
        ),
        "de/news/nur.md": _md(
            "Karabakh Reisenotizen", "Notizen aus Karabakh, nur auf Deutsch.", "2019-04-04"
        ),
        "en/about-us.md": _md(
            "About us", "Zebrafinch is our mascot.", "2018-01-01", translationKey="about"
        ),
        "fr/a-propos.md": _md(
            "À propos", "Zebrafinch est notre mascotte.", "2018-01-02", translationKey="about"
        ),
        "weather.md": _md("Weather", "Quokka weather report.", "2018-02-01"),
        "weather.de.md": _md("Wetter", "Quokka Wetterbericht.", "2018-02-02"),
    }
    for n in range(PAGED):
        files[f"en/notes/n{n}.md"] = _md(
            f"Harbour note {n}", f"Harbour ledger entry {n}.", f"2017-0{n + 1}-01"
        )
        files[f"de/notes/n{n}.md"] = _md(
            f"Hafennotiz {n}", f"Harbour Hafenbuch Eintrag {n}.", f"2017-0{n + 1}-02"
        )
    return files
