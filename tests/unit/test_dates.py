"""Dates: a full day, month and year in the languages and digits pages use; anything less is no date."""

from __future__ import annotations

import datetime

import pytest

from textlake.dates import MONTH_YEAR_RE, parse_date


@pytest.mark.parametrize(
    "text",
    [
        "2015-03-23",
        "23 March 2015",
        "March 23rd, 2015",
        "23. März 2015",
        "23 de marzo de 2015",
        "le 23 mars 2015",
        "23 مارس 2015",
        "٢٣ مارس ٢٠١٥",
        "23.03.2015",
        "2015年3月23日",
        "Posted Mon 23 Mar 2015 at 11:47",
    ],
)
def test_a_full_date_in_any_of_the_pages_languages(text):
    assert parse_date(text) == datetime.date(2015, 3, 23)


@pytest.mark.parametrize("text", ["March 2015", "JUNE 2021", "2015", "31 February 2015", "Page 23 of 2015 results", ""])
def test_no_date_without_a_real_day_month_and_year(text):
    assert parse_date(text) is None


def test_a_month_and_year_alone_is_a_campaign_or_archive_label():
    assert MONTH_YEAR_RE.search("June 2021") and not MONTH_YEAR_RE.search("23 June 2021")
