"""Synthetic raw pages for load tests and benchmarks: `textlake synth --size-mb 100 --out DIR`.

Real landing folders cannot be shipped, so this writes pages with the same shape:
a site template (menus, donation widget, share and cookie lines), a title, a dated
byline, article paragraphs with a duplicated caption, and a reader-comment section
with authors and replies. Deterministic for a seed; no two files are identical; a
few percent are gzip-compressed, as crawlers leave them.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

_WORDS = (
    "the council port city harbour vote plan budget residents school bridge river market workers union talks "
    "report official spokesman minister government police court water power roads hospital farmers prices "
    "winter summer morning evening week month year said told added announced warned agreed rejected opened "
    "closed delayed approved new old large small local regional national public private early late first last "
    "several many few most all some other more less under over after before during between against without "
    "because although while since until when where which who that this these those their its our we they"
).split()
_NAMES = (
    "Ana Ruiz",
    "Tom Becker",
    "Lina Haddad",
    "Omar Said",
    "Greta Holm",
    "Jon Park",
    "Mia Costa",
    "Raj Patel",
    "Eva Novak",
    "Sam Okafor",
    "Ida Berg",
    "Leo Marsh",
    "Nora Quinn",
    "Ali Demir",
    "Zoe Lang",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 24))]
    if rng.random() < 0.2:
        words.insert(rng.randint(0, len(words)), f"{rng.randint(2, 9800):,}")
    return " ".join(words).capitalize() + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def site(n: int) -> dict:
    """The template of synthetic site number `n`."""
    rng = random.Random(f"site-{n}")
    place = rng.choice(["North", "Valley", "Harbor", "City", "River", "Coast"])
    name = f"{place} {rng.choice(['Ledger', 'Tribune', 'Post', 'Herald', 'Notes'])} {n}"
    menu = [rng.choice(["Home", "World", "Local", "Sport", "Opinion", "Business", "Weather", "Culture"]) for _ in range(6)]
    return {
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "header": [" | ".join(menu), "Subscribe | Sign in"]
        + (["0 $", "2,500 $", "5,000 $", f"{rng.randint(100, 4999):,} $"] if n % 2 else []),
        "after_title": [f"Support {name}"] if n % 2 else ["Share this article"],
        "footer": [
            f"© 2026 {name}. All rights reserved.",
            "We use cookies to improve your experience. Accept all cookies",
            "Share on Facebook | Share on X | Email",
        ],
        "comment_ui": ["Notify of", "Newest Most Voted", "Inline Feedbacks", "View all comments"],
    }


def page(doc: int, site: dict, rng: random.Random) -> str:
    """One raw page of the given site; `doc` makes it unique."""
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 11))).title() + f" ({doc})"
    lines = [
        *site["header"],
        "",
        title,
        "",
        *site["after_title"],
        "",
        f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2015, 2026)} by {rng.choice(_NAMES)}",
        "",
    ]
    caption = f"Photo: {_sentence(rng)}"
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(4, 14))]
    paragraphs.insert(rng.randint(1, len(paragraphs)), caption + "\n\n" + caption)
    lines += [p + "\n" for p in paragraphs]
    lines += [*site["footer"], ""]
    if rng.random() < 0.8:
        lines += site["comment_ui"] + [""]
        for _ in range(rng.randint(1, 12)):
            reply = rng.random() < 0.3
            lines += [("    • " if reply else "") + rng.choice(_NAMES), "", ("      " if reply else "") + _paragraph(rng), ""]
    return "\n".join(lines) + "\n"


def write_corpus(
    out: Path, size_mb: float, seed: int = 0, sites: int = 12, gzip_share: float = 0.03, huge_file_mb: float = 0
) -> dict:
    """Write pages into `out/<site>/` until `size_mb` of raw text is reached; returns counts."""
    rng = random.Random(seed)
    site_list = [site(n) for n in range(sites)]
    target, written, files = int(size_mb * 1e6), 0, 0
    if huge_file_mb:
        template = site_list[0]
        parts, size = [], 0
        while size < huge_file_mb * 1e6:
            parts.append(page(10**9 + len(parts), template, rng))
            size += len(parts[-1])
        path = out / template["slug"] / "huge-page.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(parts), encoding="utf-8")
        written, files = written + size, files + 1
    while written < target:
        template = site_list[files % sites]
        text = page(files, template, rng)
        folder = out / template["slug"] / f"{files // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        if rng.random() < gzip_share:
            (folder / f"page-{files:07d}.txt.gz").write_bytes(gzip.compress(data, compresslevel=6))
        else:
            (folder / f"page-{files:07d}.txt").write_bytes(data)
        written += len(data)
        files += 1
    return {"files": files, "bytes": written}
