"""One published output, built by the real pipeline, that every reader test reads.

The landing folders hold synthetic pages (textlake.synth) for a few sites plus
hand-written pages that put Arabic script, emoji (a ZWJ family among them), CJK and
combining marks into titles, bodies and comments, under source folders whose names
have spaces and non-ASCII characters (so the partition slug differs from
`source_name`). Two runs with different run ids on two different landing folders
give two runs in one `ingest_date` day, some sources written by both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from textlake import schema, synth

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧, one grapheme of five code points
# Combining marks without a precomposed form survive NFC unchanged: x + caron, q + tilde, Arabic harakat.
COMBINING = "x\u030cq\u0303"
ARABIC_TITLE = "مَدرسةٌ جديدة تفتح أبوابها في درعا"  # with harakat (combining marks)
CJK_SENTENCE = "东京大学的研究人员说：“我们还在收集数据。”"
RUN_IDS = ("interop-1", "interop-2")

# The sources named by folders with spaces and non-ASCII characters, and their slugs.
HAND_SOURCES = {"Syria Direct": "syria-direct", "südfront": "sudfront", "عنب بلدي": None}  # None: src-<hash>


def _site(name: str, menu: str, support: str) -> dict:
    return {
        "header": [menu, "Subscribe | Sign in"],
        "after_title": [support],
        "footer": [
            f"© 2026 {name}. All rights reserved.",
            "We use cookies to improve your experience. Accept all cookies",
            "Share on Facebook | Share on X | Email",
        ],
        "comment_ui": ["Notify of", "Newest Most Voted", "Inline Feedbacks", "View all comments"],
    }


def _page(site: dict, title: str, byline: str | None, paragraphs: list[str], comments: list[tuple[str, str, bool]]) -> str:
    lines = [*site["header"], "", title, "", *site["after_title"], ""]
    if byline:
        lines += [byline, ""]
    lines += [p + "\n" for p in paragraphs]
    lines += [*site["footer"], ""]
    if comments:
        lines += site["comment_ui"] + [""]
        for author, text, reply in comments:
            lines += [("    • " if reply else "") + author, "", ("      " if reply else "") + text, ""]
    return "\n".join(lines) + "\n"


SYRIA_DIRECT = _site("Syria Direct", "Home | Syria | Refugees | Economy | Opinion | Arabic", "Support Syria Direct")
SUDFRONT = _site("Südfront", "Start | Region | Kultur | Sport | Meinung | Wetter", "Unterstützen Sie Südfront")
ENAB = _site("عنب بلدي", "الرئيسية | أخبار | اقتصاد | مجتمع | رأي | رياضة", "ادعم عنب بلدي")

# Each hand page: (folder, file name, site, title, byline, paragraphs, comments). Landing A feeds run 1, B run 2.
HAND_PAGES_A = [
    (
        "Syria Direct",
        "daraa-school.txt",
        SYRIA_DIRECT,
        ARABIC_TITLE,
        "March 3, 2026 by Lina Haddad",
        [
            "Residents of Daraa said the new school opened on Sunday with 400 pupils. The headmaster, Ahmad al-Zoubi "
            "(أحمد الزعبي), told Syria Direct that families had waited three years for the building to reopen.",
            "Parents posted photos with the hashtag #مدرستنا and a family emoji " + FAMILY + " to celebrate the first day. "
            'One mother wrote: "Finally, our children can learn again 🎉📚."',
            "Local officials from Hayat Tahrir al-Sham were not involved, the council said. Teachers are paid by a "
            "regional fund, and the council hopes to add a second shift before the winter months begin.",
        ],
        [
            ("Omar Said", "Great news for Daraa! " + FAMILY + " Our family will send both kids.", False),
            ("ريم", "الحمد لله، خبر جميل جداً 🌹 نتمنى التوفيق للجميع.", True),
            ("Greta Holm", "Does the school also offer evening classes for adults? I could not find it in the article.", False),
        ],
    ),
    (
        "Syria Direct",
        "water-prices.txt",
        SYRIA_DIRECT,
        "Water prices double in Idlib as summer heat arrives 🌡️",
        None,
        [
            "Families in Idlib now pay twice as much for a tank of water as they did last year, according to three "
            "truck drivers who spoke to Syria Direct this week. The price rose from 40 to 80 Turkish lira per tank.",
            'Shopkeepers blame the cost of fuel. In the market, a sign read "الماء حياة" (water is life) next to a '
            "price list. Aid groups warned that the heat would make things worse for the displaced.",
        ],
        [("Raj Patel", "Thank you for reporting this. 💧 The situation is terrible.", False)],
    ),
    (
        "Syria Direct",
        "bakery.txt",
        SYRIA_DIRECT,
        "A bakery in Raqqa reopens after five years",
        "June 12, 2025 by Jon Park",
        [
            "The bakery on the main street of Raqqa opened its doors again on Thursday, five years after the fighting "
            "with the Islamic State (داعش) closed it. Its owner said he borrowed money from relatives to buy new ovens.",
            'Customers queued from six in the morning. "The smell of bread is back in the street," one neighbour said, '
            "smiling. The bakery plans to hire ten workers by the end of the month.",
        ],
        [("Mia Costa", "Wonderful story 🥖❤️ more of these please.", False)],
    ),
    (
        "südfront",
        "fest.txt",
        SUDFRONT,
        "Straßenfest in Müllheim: Über 5.000 Gäste",
        "May 4, 2026 by Eva Novak",
        [
            "Das Straßenfest in Müllheim hat am Wochenende mehr als 5.000 Gäste angezogen. Die Veranstalter sprachen "
            "von einem großen Erfolg, trotz des Regens am Samstagnachmittag. Ein Stand zeigte die Schreibweise "
            + COMBINING
            + ".",
            "Besonders beliebt war ein Stand mit japanischen Spezialitäten. Die Köchin zitierte ihren Lehrer: "
            + CJK_SENTENCE
            + " Danach wurden Reisbällchen (おにぎり) verteilt.",
        ],
        [("Jörg Weiß", "Schön war's! 😊 Nächstes Jahr wieder.", False), ("김민준", "정말 좋은 축제였어요 👍", True)],
    ),
    (
        "südfront",
        "brücke.txt",
        SUDFRONT,
        "Neue Brücke über die Kander",
        "April 20, 2026 by Ida Berg",
        [
            "Die neue Brücke über die Kander ist am Montag für den Verkehr freigegeben worden. Der Bau hat knapp zwei "
            "Jahre gedauert und kostete rund 4,2 Millionen Euro, etwas mehr als ursprünglich geplant.",
            "Anwohner hatten sich über Lärm beschwert. Der Bürgermeister dankte ihnen für ihre Geduld und versprach, "
            "dass die Umleitung über die Dorfstraße ab sofort wegfällt.",
        ],
        [],
    ),
    (
        "südfront",
        "markt.txt",
        SUDFRONT,
        "Wochenmarkt zieht auf den Rathausplatz",
        "February 2, 2026 by Leo Marsh",
        [
            "Der Wochenmarkt zieht im Frühjahr vom Bahnhofsplatz auf den Rathausplatz. Die Händler erhoffen sich "
            "dort mehr Laufkundschaft, die Stadt verspricht zusätzliche Parkplätze in der Nähe des Platzes.",
            'Einige Marktbeschicker sind skeptisch. "Wir warten ab, wie die Kunden reagieren", sagte ein Gemüsehändler '
            "aus Auggen, der seit zwanzig Jahren jeden Samstag auf dem Markt steht.",
        ],
        [("Nora Quinn", "Endlich! Der Bahnhofsplatz war immer zu eng.", False)],
    ),
]

HAND_PAGES_B = [
    (
        "عنب بلدي",
        "bread.txt",
        ENAB,
        "ارتفاع سعر ربطة الخبز في حلب 🍞",
        "2026/02/12",
        [
            "ارتفع سعر ربطة الخبز في مدينة حلب إلى ستة آلاف ليرة سورية، بحسب ما رصدته عنب بلدي في عدد من الأفران "
            "خلال الأسبوع الماضي، وسط شكاوى من الأهالي من تراجع جودة الخبز وقلة الكميات.",
            "وقال أحد أصحاب الأفران إن سبب الارتفاع هو نقص الطحين وارتفاع أسعار المازوت، مضيفاً أن الأفران تعمل "
            "بنصف طاقتها منذ بداية الشهر. عائلة " + FAMILY + " من حي الشعار قالت إنها تشتري الخبز يوماً بيوم.",
        ],
        [("أبو محمد", "الله يعين الناس 😔 الوضع صعب كتير.", False), ("سارة", "صحيح، وعندنا بالحي نفس المشكلة 👍🏽", True)],
    ),
    (
        "عنب بلدي",
        "school.txt",
        ENAB,
        "مدارس إدلب تستقبل الطلاب بعد العطلة",
        None,
        [
            "عادت المدارس في محافظة إدلب إلى استقبال الطلاب بعد انتهاء العطلة الانتصافية، وسط نقص في الكتب المدرسية "
            "والمقاعد في عدد كبير من المدارس، بحسب ما قاله مدرسون لعنب بلدي.",
            "وقال مدير إحدى المدارس إن هيئة تحرير الشام لم تتدخل في المناهج هذا العام، وإن المنظمات المحلية وزعت "
            "قرطاسية على الطلاب في الأسبوع الأول. 📚✏️",
        ],
        [("Ali Demir", "التعليم أهم شيء 🙏", False)],
    ),
    (
        "عنب بلدي",
        "power.txt",
        ENAB,
        "ساعات تقنين الكهرباء تزداد في دمشق",
        "2026/01/30",
        [
            "ازدادت ساعات تقنين الكهرباء في أحياء دمشق خلال الأسبوع الحالي لتصل إلى عشرين ساعة يومياً في بعض المناطق، "
            "بحسب ما قاله سكان لعنب بلدي، مع انخفاض درجات الحرارة وزيادة الطلب على التدفئة.",
            "ويعتمد كثير من السكان على البطاريات والألواح الشمسية لتأمين الإنارة، بينما ارتفعت أسعار الأمبيرات "
            "في الأحياء التجارية إلى مستويات غير مسبوقة خلال فصل الشتاء.",
        ],
        [],
    ),
    (
        "Syria Direct",
        "tokyo.txt",
        SYRIA_DIRECT,
        "Syrian students in Tokyo: 「新しい生活」 a new life",
        "October 8, 2025 by Tom Becker",
        [
            "Six Syrian students arrived in Tokyo this autumn on a university scholarship. They study engineering and "
            "medicine, and all of them are learning Japanese. One of them keeps a notebook of new words.",
            "Their first lesson began with a sentence from the professor: " + CJK_SENTENCE + " The students laughed, "
            "then wrote it down in Arabic as well: نحن ما زلنا نجمع البيانات.",
        ],
        [("Sam Okafor", "Good luck to them! 🇯🇵🇸🇾", False)],
    ),
]

# Pages every run refuses: an empty file (rejected) and a page with no main text (quarantined).
REFUSED_A = {"südfront/leer.txt": ""}
REFUSED_B = {"عنب بلدي/قصير.txt": "الرئيسية | أخبار\n\nقصير\n"}


def _write_landing(landing: Path, pages: list, refused: dict[str, str], seed: int, sites: int, size_mb: float) -> None:
    synth.write_corpus(landing, size_mb=size_mb, seed=seed, sites=sites, gzip_share=0.1)
    for folder, name, site, title, byline, paragraphs, comments in pages:
        path = landing / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page(site, title, byline, paragraphs, comments), encoding="utf-8")
    for relative, text in refused.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclasses.dataclass(frozen=True)
class Published:
    root: Path
    datasets: tuple[str, ...]
    summaries: tuple[dict, ...]
    ingest_date: str

    def path(self, dataset: str) -> Path:
        return self.root / dataset

    def partitions(self, dataset: str) -> tuple[str, ...]:
        if dataset in schema.PARTITIONS:
            return schema.PARTITIONS[dataset]
        # a dataset this test suite does not know yet: read its keys off the directory names
        keys: list[str] = []
        for part in next(self.path(dataset).rglob("*.parquet")).relative_to(self.path(dataset)).parts[:-1]:
            keys.append(part.split("=", 1)[0])
        return tuple(keys)

    def arrow(self, dataset: str) -> pa.Table:
        """The reference read: pyarrow.dataset with every partition column typed as a string."""
        part = ds.partitioning(pa.schema([(k, pa.string()) for k in self.partitions(dataset)]), flavor="hive")
        return ds.dataset(self.path(dataset), format="parquet", partitioning=part).to_table()


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Published:
    from textlake.config import PipelineConfig
    from textlake.pipeline import run_pipeline

    base = tmp_path_factory.mktemp("interop")
    output = base / "out"
    summaries = []
    for run_id, pages, refused, seed, sites in (
        (RUN_IDS[0], HAND_PAGES_A, REFUSED_A, 11, 2),
        (RUN_IDS[1], HAND_PAGES_B, REFUSED_B, 12, 3),
    ):
        landing = base / f"landing-{run_id}"
        _write_landing(landing, pages, refused, seed=seed, sites=sites, size_mb=0.06)
        # the second run audits its removals, so the `removed` dataset is read by every reader too
        audit = run_id == RUN_IDS[1]
        config = PipelineConfig.from_overrides(
            {"input": str(landing), "output": str(output), "workers": 2, "audit_removed": audit}
        )
        summaries.append(run_pipeline(config, run_id=run_id, progress_bar=False))
    datasets = tuple(
        sorted(p.name for p in output.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")) and any(p.rglob("*.parquet")))
    )
    return Published(output, datasets, tuple(summaries), dt.datetime.now(dt.UTC).date().isoformat())
