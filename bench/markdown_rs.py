"""markdown-it-pyrs against markdown-it-py: speed on a corpus, survival on hostile input.

``python -m bench.markdown_rs WHEEL_DIR [--corpus sisihagen] [--fuzz 20000]``

markdown-it-pyrs is not a dependency (decision 0200): download its wheel
(``pip download --no-deps markdown-it-pyrs``) and unpack it into WHEEL_DIR. Each
hostile input, and each batch of random strings of Markdown punctuation, is parsed
(``tree`` and ``render``) in a child process, so that a panic is counted and a crash
(a stack overflow kills the process) is seen rather than suffered.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import corpus

HOSTILE = {
    "[`": "[`",
    "1.9 M [": "[" * 1_900_000,
    "![ paragraphs": ("![" * 4_000 + "\n\n") * 60,
    "{{< openings": "{{<" * 100_000,
    "_a": "_a" * 200_000,
    "10,000 nested >": "> " * 10_000 + "x",
    "100,000 nested >": "> " * 100_000 + "x",
    "50,000 nested -": "- " * 50_000 + "x",
    "2,000 indented list levels": "".join("  " * i + "- x\n" for i in range(2_000)),
    "100,000 *": "*" * 100_000 + "x",
    "50,000 [a](": "[a](" * 50_000,
    "100,000 `": "`" * 100_000,
    "50,000 <div>": "<div>" * 50_000,
}
_ALPHABET = [*"[]()`*_~<>!#-+|:\\\"'&;\n \t{}%=0a1", "```", "\n\n", "    ", "<!--", "-->",
             "[^", "]:", "&amp;", "é", "😀", "\r"]  # fmt: skip
_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from markdown_it_pyrs import MarkdownIt
md = MarkdownIt("commonmark")
failed = []
for i, text in enumerate(json.loads(sys.stdin.read())):
    try:
        md.tree(text)
        md.render(text)
    except BaseException as exc:  # pyo3's PanicException is a BaseException
        failed.append([i, type(exc).__name__, str(exc)[:100]])
print(json.dumps(failed))
"""


def survive(wheel: Path, texts: list[str]) -> list[Any] | str:
    """The failures of parsing ``texts`` in a child process, or how the process died."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(wheel)], input=json.dumps(texts),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return f"process died (exit status {done.returncode})"
    found: list[Any] = json.loads(done.stdout)
    return found


def best_seconds(parse: Callable[[str], object], texts: list[str], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for text in texts:
            parse(text)
        best = min(best, time.perf_counter() - started)
    return round(best, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="folder holding the unpacked wheel")
    parser.add_argument("--corpus", default="sisihagen")
    parser.add_argument("--fuzz", type=int, default=20_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.wheel))
    from markdown_it import MarkdownIt as Python
    from markdown_it_pyrs import MarkdownIt as Rust  # type: ignore[import-not-found]

    texts = [p.read_text("utf-8", "replace") for p in sorted(corpus(args.corpus).rglob("*.md"))]
    rs, py = Rust("commonmark"), Python("commonmark")
    results: dict[str, Any] = {
        "files": len(texts),
        "parse_s": {"markdown-it-py": best_seconds(py.parse, texts),
                    "markdown-it-pyrs": best_seconds(rs.tree, texts)},
        "render_s": {"markdown-it-py": best_seconds(py.render, texts),
                     "markdown-it-pyrs": best_seconds(rs.render, texts)},
        "hostile": {name: survive(args.wheel, [text]) for name, text in HOSTILE.items()},
    }  # fmt: skip
    rng = random.Random(2024)
    fuzz = ["".join(rng.choices(_ALPHABET, k=rng.randint(1, 200))) for _ in range(args.fuzz)]
    failures: list[Any] = []
    for start in range(0, len(fuzz), 2_000):
        found = survive(args.wheel, fuzz[start : start + 2_000])
        failures += [found] if isinstance(found, str) else found
    results["fuzz"] = {"strings": len(fuzz), "failures": len(failures), "first": failures[:3]}
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
