"""A minimal Hugo site with a given number of markdown pages, for comparing build speed with Hugo's.

    python benchmarks/hugo_site.py OUT --pages 22835
Each page is like a synthetic story (front matter, ~300 words in paragraphs); the theme is two trivial
layouts (a page, a list of the first 50 pages); taxonomies, RSS and the sitemap are off.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from synthetic import _paragraphs, _sentence

CONFIG = """baseURL = "https://example.org/"
title = "Synthetic Bikes"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>{{ .Content }}</main></body></html>
"""
LIST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>{{ range first 50 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
</li>{{ end }}</ul></main></body></html>
"""


def build(out: Path, pages: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "content/stories").mkdir(parents=True)
    (out / "layouts/_default").mkdir(parents=True)
    (out / "config.toml").write_text(CONFIG, encoding="utf-8")
    (out / "layouts/_default/single.html").write_text(PAGE, encoding="utf-8")
    (out / "layouts/_default/list.html").write_text(LIST, encoding="utf-8")
    for number in range(pages):
        (out / f"content/stories/story-{number}.md").write_text(
            f"---\ntitle: \"Story {number} {_sentence(rng, 5)}\"\n"
            f"date: 2025-{1 + number % 12:02d}-{1 + number % 28:02d}\n"
            f"---\n\n{_paragraphs(rng, 300)}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=20_000)
    args = parser.parse_args()
    build(args.out, args.pages)


if __name__ == "__main__":
    main()
