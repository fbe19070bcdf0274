"""One vocabulary for why anything was removed: a stage and a reason code.

Every file, document and line that does not reach the datasets carries a `Reason`
(a stable code analysts group by) and the `Stage` that decided it, beside a human
`detail`. The ledger (`files.reason_code`), the quarantine (`stage`, `reason_code`),
the `removed` dataset, the step statistics and the corpus report all use these codes,
so a question like "how many pages had no main text last week" is a `GROUP BY`, never
a regular expression over prose.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where in the run something was decided, in the order of the run."""

    DISCOVER = "discover"  # listing and hashing the input (plan)
    READ = "read"
    DECODE = "decode"
    CLEAN = "clean"  # line verdicts: page furniture, template repeats
    SEGMENT = "segment"  # main text, title, comments
    ENRICH = "enrich"
    VALIDATE = "validate"
    PUBLISH = "publish"


class Reason(StrEnum):
    # files: not usable as a text document, or accounted for already
    SYMLINK = "symlink"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    DUPLICATE_CONTENT = "duplicate_content"
    ALREADY_INGESTED = "already_ingested"  # the ledger holds this very file (path and content): skipped
    NOT_SETTLED = "not_settled"  # still being written (too young, or a temporary name): a later run takes it
    EMPTY = "empty"
    WHITESPACE_ONLY = "whitespace_only"
    BINARY = "binary"
    CORRUPT_GZIP = "corrupt_gzip"
    TRUNCATED_GZIP = "truncated_gzip"
    UNDECODABLE = "undecodable"
    # documents: decoded, then refused
    INTERNAL_ERROR = "internal_error"
    NO_MAIN_TEXT = "no_main_text"
    EXPECTATION_FAILED = "expectation_failed"
    # lines judged page furniture on their own
    NAV_MENU = "nav_menu"
    NAVIGATION = "navigation"
    SECTION_HEADING = "section_heading"
    DONATION_WIDGET = "donation_widget"
    SHARE_WIDGET = "share_widget"
    SUBSCRIBE_WIDGET = "subscribe_widget"
    COMMENT_UI = "comment_ui"
    COOKIE_NOTICE = "cookie_notice"
    COPYRIGHT = "copyright"
    LOGIN = "login"
    CAPTION = "caption"
    READING_TIME = "reading_time"
    ADVERT = "advert"
    CODE = "code"
    TEASER = "teaser"
    RELATED_LINKS = "related_links"  # "related articles", "read more" lists and their items
    AUTHOR_BOX = "author_box"  # the author's portrait under the article
    SITE_NOTICE = "site_notice"  # browser, script and paywall notices of the site
    TEMPLATE_REPEAT = "template_repeat"  # repeated across the documents of a source
    # lines judged by their place on the page
    DUPLICATE_LINE = "duplicate_line"
    OFF_MAIN_BLOCK = "off_main_block"
    SHORT_FRAGMENT = "short_fragment"
    COMMENT_META = "comment_meta"


# The step that owns each line reason: what a line's own shape condemns is cleaning;
# what its place on the page condemns is segmentation.
LINE_STAGE: dict[Reason, Stage] = {
    **{
        r: Stage.CLEAN
        for r in (
            Reason.NAV_MENU,
            Reason.NAVIGATION,
            Reason.SECTION_HEADING,
            Reason.DONATION_WIDGET,
            Reason.SHARE_WIDGET,
            Reason.SUBSCRIBE_WIDGET,
            Reason.COMMENT_UI,
            Reason.COOKIE_NOTICE,
            Reason.COPYRIGHT,
            Reason.LOGIN,
            Reason.CAPTION,
            Reason.READING_TIME,
            Reason.ADVERT,
            Reason.CODE,
            Reason.TEASER,
            Reason.RELATED_LINKS,
            Reason.AUTHOR_BOX,
            Reason.SITE_NOTICE,
            Reason.TEMPLATE_REPEAT,
        )
    },
    **{r: Stage.SEGMENT for r in (Reason.DUPLICATE_LINE, Reason.OFF_MAIN_BLOCK, Reason.SHORT_FRAGMENT, Reason.COMMENT_META)},
}
