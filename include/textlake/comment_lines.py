"""What each line of a comment section is: its heading, a handle, a comment's metadata, interface, or text.

Comment systems differ in markup but agree on a grammar: a handle ("Name says:", "Name
schreibt:", "Name said…", or a bare name), metadata right under it (a date, "3 years ago",
"vor 2 Stunden", "Reply to  Name", forum post counts), the comment's text, and a row of buttons
(reply, like, vote counts, report). Recognising the three kinds of non-text line in every
language the lexicon covers is what lets `textlake.comments` find comments without knowing
the plugin, and keeps the comment form (name, email and website fields, "will not be
published", anti-spam notices) out of comments and authors.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from textlake.dates import MONTH_YEAR_RE, date_span, parse_date
from textlake.lexicon import shipped as shipped_lexicon
from textlake.lines import LineInfo

# Comment-section headings and widgets in the languages the pipeline sees most
# (en, de, fr, es, it, pt, nl, ar): the noun alone as a heading, or a call to comment.
_COMMENT_NOUNS = (
    r"comments?|reader comments|responses?|replies|discussion|talkback|kommentare|leserkommentare"
    r"|commentaires|comentarios|comentários|commenti|reacties|komentarze|komentarzy|комментарии|yorumlar|التعليقات|تعليقات"
)
_COMMENT_MARKER_RE = re.compile(
    rf"^(?:\d+\s+)?(?:{_COMMENT_NOUNS})\b(?:\s*\(\d+\))?\W*$"
    rf"|^[1-9]\d*\s+(?:{_COMMENT_NOUNS})\b"
    r"|\b(?:notify of|view all comments|inline feedbacks|leave a (?:reply|comment)|post a comment"
    r"|add (?:a|your) comment|comments (?:so far|to this entry)"
    r"|what do you think\??$|have your say|join the discussion"
    r"|(?:schreibe|hinterlasse) einen kommentar|kommentar (?:schreiben|verfassen)"
    r"|laisser un commentaire|ajouter un commentaire|(?:deja|dejar|publicar|añadir) (?:un|tu) comentario"
    r"|lascia un commento|deixe (?:um|seu) comentário|laat een reactie achter|plaats een reactie)"
    r"|^(?:أضف|اترك|اكتب|أضيفي|شارك) (?:تعليق|رأيك)",
    re.I,
)
# Calls to comment that head the comment form rather than the comment list.
FORM_CALL_RE = re.compile(
    r"^(?:leave a (?:reply|comment)|post a comment|add (?:a|your) comment|write a comment"
    r"|(?:schreibe|hinterlasse) einen kommentar|(?:einen )?kommentar (?:schreiben|verfassen|hinterlassen)"
    r"|laisser un commentaire|(?:deja|dejar|escribe) un comentario"
    r"|lascia un commento|deixe (?:um|seu) comentário|laat een reactie achter|dodaj komentarz|оставить комментарий"
    r"|yorum yap|أضف تعليق)",
    re.I,
)
# WordPress-style "6 thoughts on “Title”" heads the comment list and runs as long as the title.
_THOUGHTS_ON_RE = re.compile(
    r"^(?:[1-9]\d*|one|ein|eine|un|une|uno|una|um|uma|één)\s+(?:thoughts?|comments?|responses?|replies|reactions?"
    r"|gedanken?|kommentare?|antworten|réflexions?|commentaires?|réponses?|comentarios?|respuestas?|pensieri|commenti"
    r"|risposte|comentários?|respostas?|reacties|reactie|gedachten?|komentarz[ey]?|odpowiedzi)"
    r"\s+(?:on|to|zu|zum|sur|à|en|a|su|sobre|em|para|op|bij|do)\s+\W",
    re.I,
)


def is_comment_marker(info: LineInfo) -> bool:
    """A heading or widget that opens the reader-comment section."""
    if info.n_words <= 8:
        if _COMMENT_MARKER_RE.search(info.text):
            return True
    elif info.n_words > 40:
        return False
    return info.text[:1].isdigit() and bool(_THOUGHTS_ON_RE.match(info.text))


# The button under every comment; in a comment list it closes the comment above it.
_REPLY_UI_RE = re.compile(
    r"^(?:reply|antworten|répondre|repondre|responder|rispondi|responda|beantwoorden|reageer|ответить"
    r"|رد|ردّ|الرد|回复|返信|답글)(?:\s*(?:↓|→|»|›|to this(?: comment)?|\(\d+\)))?$"
    r"|^(?:log|sign) ?in to (?:reply|comment)$|^reply to (?:this )?(?:comment|\S+)$",
    re.I,
)


def is_reply_ui(info: LineInfo) -> bool:
    """The reply button or its log-in variant under a reader comment."""
    return info.n_words <= 5 and bool(_REPLY_UI_RE.match(info.text))


_NAME_RE = re.compile(r"^[\w][\w'’.\- ]*$")
_ABBREV_END_RE = re.compile(r"(?:\b(?:Jr|Sr|Dr|St|Esq)|\b[A-Z])\.$")


def is_author_line(info: LineInfo) -> bool:
    """A commenter's handle: one to five name-like words and no sentence punctuation."""
    if not (1 <= info.n_words <= 5 and info.n_chars <= 40):
        return False
    text = info.text
    if info.ends_sentence and not _ABBREV_END_RE.search(text):
        return False
    return bool(_NAME_RE.match(text))


# "Name says:" and its translations; WordPress, Blogger and most themes write the handle so.
_SAYS_RE = re.compile(
    r"^(?P<name>[^\s:].{0,60}?)\s+(?:says|said|wrote|writes|dice|dijo|escribió|schreibt|sagt|schrieb|meint"
    r"|a dit|a écrit|écrit|scrive|ha scritto|disse|escreveu|diz|zegt|schreef|pisze|napisał|napisała"
    r"|пишет|написал|написала|говорит|dedi|yazdı|قال|كتب)\s*(?::|\.\.\.|…|\s*$)\s*(?P<rest>.*)$",
    re.I,
)
# "Post by name » Sun Apr 11, 2021 8:47 pm" (phpBB) and "Posted by name at …".
_POST_BY_RE = re.compile(
    r"^(?:post|posted|submitted|written|comment|commented) by:?\s+(?P<name>[^»|,@]{1,40}?)\s*(?:»|\||,|@|\bon\b|\bat\b|$)", re.I
)
# Ages of a comment, as widgets print them instead of dates.
_AGO_RE = re.compile(
    r"^(?:[•·|-]\s*)?(?:(?:about|over|almost|edited)\s+)?(?:\d+|an?|one)\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?"
    r"|weeks?|months?|years?|yrs?|[smhdwy])\s+ago\b"
    r"|^(?:[•·|-]\s*)?vor\s+(?:\d+|einer?|einem)\s+(?:sekunden?|minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?|jahr(?:en)?)\b"
    r"|^(?:[•·|-]\s*)?(?:il y a|hace|há|fa)\s+(?:\d+|une?|uno?|una)\s+\w+"
    r"|^(?:[•·|-]\s*)?\d+\s+\w+\s+(?:fa|geleden|temu|назад|önce)\b"
    r"|^(?:[•·|-]\s*)?\d+\s*[smhdwy]$"
    r"|^(?:yesterday|today|gestern|heute|hier|aujourd'hui|ayer|hoy|ieri|oggi|ontem|hoje|gisteren|vandaag)\b"
    r"|^[A-Z][a-z]{2,3}\.? '\d\d$",
    re.I,
)
_FORUM_META_RE = re.compile(
    r"^re:\s|^(?:posts|beiträge|messages|mensajes|messaggi|joined|registriert|inscrit|registrado|iscritto|location|wohnort|ort"
    r"|localisation|ubicación|reputation|karma|rank|rang)\s*:\s*\S",
    re.I,
)
_REPLY_TO_RE = re.compile(
    r"^(?:reply to|in reply to|replying to|antwort an|als antwort auf|en réponse à|respuesta a|in risposta a)\s+\S", re.I
)
# The words of a comment's button row; a line made of these, counts and symbols is interface.
_BUTTON_WORDS = frozenset(
    "reply replies like likes liked unlike dislike share report flag delete edit quote permalink link top"
    " upvote downvote vote votes by person people helpful recommend"
    " antworten antwort melden teilen zitieren daumen hoch runter gefällt mir bearbeiten löschen"
    " répondre signaler partager citer aimer j'aime supprimer modifier"
    " responder denunciar compartir citar me gusta eliminar editar"
    " rispondi segnala condividi cita mi piace elimina modifica"
    " responder denunciar curtir compartilhar citar excluir"
    " beantwoorden reageren melden delen citeren vind ik leuk"
    " odpowiedz zgłoś udostępnij lubię to"
    " ответить пожаловаться поделиться нравится"
    " yanıtla cevapla bildir paylaş beğen"
    " رد إبلاغ مشاركة إعجاب".split()
)
_SYMBOLS = "△▽▲▼↑↓·•|›»«‹()[]+-–—:,./#*0123456789"
_AGE_RE = re.compile(r"\d+[smhdwy]")
_COUNTS_RE = re.compile(r"[\s|·•()]*(?:(?:[+\-–]?\d{1,4}|\d+[smhdwy]|[△▽▲▼↑↓])[\s|·•()]*)+")
# Lexicon categories whose whole-line phrases are never a commenter's name or a comment.
_LABEL_WORDS = 6
_INTERFACE = (
    "comments",
    "comment_form",
    "login",
    "rating",
    "share",
    "follow",
    "subscribe",
    "legal",
    "navigation",
    "pagination",
    "cookie",
    "related",
    "read_more",
    "tags",
    "print",
)


def says_handle(text: str, posted_by: bool = True) -> str | None:
    """The name in a "Name says:" handle (or, with `posted_by`, a "Post by name »" one), or None."""
    m = _SAYS_RE.match(text)
    rest = m.group("rest") if m else ""
    if m and m.group("name").count(" ") < 6 and (not rest or _AGO_RE.match(rest) or parse_date(rest)):
        return m.group("name").strip(" \t\"'“”")
    m = _POST_BY_RE.match(text) if posted_by else None
    return m.group("name").strip() if m else None


# What surrounds a name in a handle that also carries the comment's date ("Par X, le mercredi 15 mai 2019 à 08h07",
# "Am 29. Mai 2017 um 14:38 von X", "X 11. Dezember 2012 um 11:07"): connectives, weekdays, clock times.
_HANDLE_FILLER_RE = re.compile(
    r"\b(?:posted|written|submitted|veröffentlicht|geschrieben|publié|publicado|pubblicato|geplaatst|opublikowano"
    r"|by|on|at|par|le|la|à|de|del|am|um|von|vom|uhr|door|op|om|przez|dnia|o|il|alle|di|em|por|el|en|said|says"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag"
    r"|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado"
    r"|domingo|am|pm)\b|\d{1,2}[:h.]\d\d(?::\d\d)?(?:\s*[ap]\.?m\.?)?|[,|•·—–/]",
    re.I,
)
_NAME_WORDS_RE = re.compile(r"^@?[\w][\w'’.\-]*(?: [\w][\w'’.\-]*){0,3}$")
# The badge a comment system prints after the post author's name ("Mathias Autor", "jane Author").
_ROLE_BADGE_RE = re.compile(r"\s+(?:author|autor|auteur|autore|admin|administrator|moderator|moderador|verfasser)$", re.I)
_GLUED_DATE_RE = re.compile(r"(?<=[^\W\d_])(?=\d{1,2}\.\s)")


def dated_handle(text: str) -> str | None:
    """The name in a handle line that also holds the comment's date, or None."""
    if len(text) > 90:
        return None
    text = _GLUED_DATE_RE.sub(" ", text)  # "Sana6. Juni 2015 um 10:23": the name runs into the date
    span = date_span(text)
    if span is None:
        return None
    rest = " ".join(_HANDLE_FILLER_RE.sub(" ", text[: span[0]] + " " + text[span[1] :]).split())
    rest = _ROLE_BADGE_RE.sub("", rest)
    return rest if rest and _NAME_WORDS_RE.match(rest) and not rest.isdigit() else None


# Particles and titles of personal names that stoplists also list ("Ursula von der Leyen", "Mr. Tran").
_NAME_PARTICLES = frozenset(
    "van von der den de del della di da du la le al el bin ibn ben mac st mr mrs ms dr prof herr frau mme sr sra".split()
)


def reads_as_phrase(text: str, stops: frozenset[str]) -> bool:
    """A line with the language's function words in it ("Archiv meiner Beiträge", "Lachen über die Grenze")
    is a heading or a post title, not a commenter's name."""
    tokens = [t.strip(".,:;!?'’\"()") for t in text.split()]
    hits = [t for t in tokens if t.lower() in stops and t.lower() not in _NAME_PARTICLES]
    # broad stoplists also hold content words ("former"): one short lowercase function word, or two of any kind
    return len(tokens) > 1 and (len(hits) >= 2 or any(t.islower() and len(t) <= 4 for t in hits))


def is_meta(info: LineInfo) -> bool:
    """A comment's date, age, reply-to or forum-profile line."""
    if info.n_words > 10:
        return False
    text = info.text
    return bool(
        _AGO_RE.match(text)
        or _FORUM_META_RE.match(text)
        or _REPLY_TO_RE.match(text)
        or MONTH_YEAR_RE.match(text)  # "15. April 2019" whose day was read as a list number
        or (info.n_words <= 8 and parse_date(text))
    )


def reply_to(info: LineInfo) -> bool:
    return bool(_REPLY_TO_RE.match(info.text))


def is_button_row(info: LineInfo) -> bool:
    """Reply, like, vote and report buttons with their counts ("Like · Reply · 2y", "7 △ ▽", "Daumen hoch 12")."""
    if info.n_words > 12:
        return False
    words = [w for w in info.text.lower().replace("·", " ").split() if w.strip(_SYMBOLS) and not _AGE_RE.fullmatch(w)]
    if not words:
        # counts, ages and vote arrows only ("0", "7 △ ▽", "2y"), not a date or a phone number ("10/18/2020")
        return bool(_COUNTS_RE.fullmatch(info.text))
    return all(w.strip(_SYMBOLS) in _BUTTON_WORDS for w in words)


def interface_lines(infos: list[LineInfo], lexical: np.ndarray, keys: list[str]) -> np.ndarray:
    """Which of `infos` are interface phrases of the lexicon, or open with a long comment-form phrase.

    `lexical` and `keys` are their lexicon scores and normalised texts (`Lexicon.match`).
    """
    if not infos:
        return np.zeros(0, dtype=bool)
    lexicon = shipped_lexicon()
    scores = lexical[:, [lexicon.categories.index(c) for c in _INTERFACE]].max(axis=1)
    words = np.fromiter((info.n_words for info in infos), np.float64, len(infos))
    # a whole phrase, or a short line opening with one ("Sort by Best", "Powered by Disqus")
    out = (scores >= 1.0) | (scores > 0) & (words <= _LABEL_WORDS)
    form = _form_prefixes()
    return out | np.fromiter((bool(form.match(k)) for k in keys), bool, len(infos))


@functools.lru_cache(maxsize=1)
def _form_prefixes() -> re.Pattern:
    """Comment-form sentences of three or more words, matched at a line's start ("Your email address will not be…")."""
    lexicon = shipped_lexicon()
    phrases = sorted(lexicon.phrases("comment_form") | lexicon.phrases("comments"), key=len, reverse=True)
    long = [p for p in phrases if p.count(" ") >= 2]
    return re.compile("|".join(re.escape(p) for p in long)) if long else re.compile(r"(?!)")
