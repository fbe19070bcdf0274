import pytest

from textlake.enrich import detect_language, doc_id_for, infer_source, source_slug


@pytest.mark.parametrize(
    "name, slug",
    [("Syria Direct", "syria-direct"), ("südfront", "sudfront"), ("0123", "s-0123"), (None, "unknown"), ("  ", "unknown")],
)
def test_source_slug_is_a_safe_partition_key(name, slug):
    assert source_slug(name) == slug


def test_non_latin_source_gets_a_stable_hashed_slug():
    assert source_slug("المنارة").startswith("src-")
    assert source_slug("المنارة") == source_slug("المنارة")


def test_source_from_first_folder_below_the_root():
    assert infer_source("harbor-ledger/2026/a.txt", "text", "auto") == "harbor-ledger"
    assert infer_source("a.txt", "Body\nSupport Harbor Ledger\n", "auto") == "Harbor Ledger"
    assert infer_source("harbor-ledger/a.txt", "Support Other Site\n", "text") == "Other Site"
    assert infer_source("a.txt", "nothing names the site here", "auto") == "unknown"


def test_source_from_self_naming_phrases():
    assert infer_source("a.txt", "For\u00a0more from Syria Direct, like us on Facebook.", "text") == "Syria Direct"
    assert infer_source("a.txt", "Body text\n© 2024 Valley Tribune. All rights reserved.", "text") == "Valley Tribune"


def test_language_ids_offline():
    assert (
        detect_language(
            "The council said on Monday that the new harbour will open next spring, "
            "after two years of delays and a long dispute over its cost."
        )
        == "en"
    )
    assert detect_language("قال المتحدث باسم المجلس إن الميناء الجديد سيفتتح في الربيع المقبل بعد عامين من التأخير.") == "ar"
    assert (
        detect_language("Le conseil a annoncé lundi que le nouveau port ouvrira au printemps prochain, après deux ans de retard.")
        == "fr"
    )


def test_doc_id_depends_only_on_content():
    assert doc_id_for("ab" * 32) == doc_id_for("ab" * 32)
    assert len(doc_id_for("ab" * 32)) == 24


def test_gazetteer_matches_aliases_scripts_and_acronyms():
    from textlake.enrich import Gazetteer

    gazetteer = Gazetteer(
        [
            {"id": "jai", "name": "Jaish al-Islam", "aliases": ["Jaish al-Islam", "Jaysh al-Islam", "JAI", "جيش الإسلام"]},
            {"id": "hts", "name": "Hayat Tahrir al-Sham", "aliases": ["Hay'at Tahrir al-Sham", "HTS"]},
        ]
    )
    text = "jaysh al-islam and JAI met HTS; not jai, not JAIL, not HTSX. Hay’at Tahrir al-Sham and جيش الإسلام."
    found = gazetteer.mentions(text)
    assert [(e, m) for e, _, m, _, _ in found] == [
        ("jai", "jaysh al-islam"),
        ("jai", "JAI"),
        ("hts", "HTS"),
        ("hts", "Hay’at Tahrir al-Sham"),
        ("jai", "جيش الإسلام"),
    ]
    assert all(text[start:end] == m for _, _, m, start, end in found)


def test_project_gazetteer_loads():
    from textlake.config import PipelineConfig
    from textlake.enrich import Gazetteer

    gazetteer = Gazetteer.load(PipelineConfig.from_overrides().gazetteer)
    assert gazetteer.mentions("Jaysh al-Islam, the JAI")[0][0] == "jaish-al-islam"
