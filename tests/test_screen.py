"""The review screen: keys typed quickly are kept, the card fits the terminal."""

from io import StringIO

from rich.console import Console

from crawler.cli.screen import KeyReader, card, wrap_text

ROW = {
    "queue_seq": 12, "title": "Pressure from Trump led to 5G ban, Britain tells Huawei in a letter to the company",
    "sitename": "Telecom Trade Weekly", "published": "2020-07-18", "url": "http://127.0.0.2/2020/07/18/huawei.html",
    "score": 0.31, "borderline": 1, "reason": "seed words: huawei 30%, security 20%, ban 10%, networks 9%",
    "found_via": "feed", "found_on": "http://127.0.0.2/atom.xml",
}  # fmt: skip


def reader(*chunks: str) -> KeyReader:
    parts = iter(chunks)
    return KeyReader(lambda: next(parts))


def test_keys_typed_in_one_burst_are_each_kept() -> None:
    keys = reader("sa", "xq")  # a raw terminal hands over everything typed since the last read
    assert [keys.key(), keys.key(), keys.key()] == ["s", "a", "q"]  # x is not a key: passed over


def test_r_then_enter_is_the_reject_key_not_an_empty_reason(monkeypatch) -> None:
    import click

    asked = []
    monkeypatch.setattr(click, "prompt", lambda text, **kw: asked.append(text) or "phone review")
    keys = reader("r\r")
    assert keys.key() == "r"
    assert keys.line("reason") == "phone review" and asked == ["reason"]  # the Enter did not answer it


def test_an_enter_a_moment_after_r_is_taken_by_the_key() -> None:
    late = []
    keys = KeyReader(lambda: "r", late_enter=lambda: late.append(True) or True)
    assert keys.key() == "r" and late == [True]


def test_a_reason_typed_ahead_of_the_prompt_is_kept() -> None:
    keys = reader("rnot on topic\ra")
    assert keys.key() == "r" and keys.line("reason") == "not on topic" and keys.key() == "a"


def render(renderable, width: int) -> str:
    out = StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def test_the_card_fits_80_columns_and_a_narrow_terminal_without_breaking_words() -> None:
    for width in (80, 44):
        text = render(card(ROW, [{"url": "http://127.0.0.3/copy", "kind": "near", "similarity": 0.93}], 3, 9), width)
        assert max(len(line) for line in text.splitlines()) <= width
        words = set(text.split())
        assert {"Pressure", "Britain", "BORDERLINE:", "#12", "Telecom", "also"} <= words
        assert "(near copy, 0.93)" in " ".join(text.split())


def test_text_wraps_at_word_boundaries() -> None:
    paragraph = "Huawei equipment " * 30
    for line in wrap_text(paragraph.strip(), 50).splitlines():
        assert len(line) <= 50 and not line.endswith("-")
        assert set(line.split()) <= {"Huawei", "equipment"}


def test_the_card_prints_a_doubtful_date_with_what_each_witness_said() -> None:
    """The card said "(date doubtful: see show)": the reviewer had to leave the
    review to learn which date to believe. It prints `show`'s line instead."""
    doubtful = ROW | {"published_witness": "htmldate", "date_flag": "witnesses disagree by 2332 days",
                      "date_witnesses": '{"htmldate": "2020-07-18", "sitemap": "2026-12-02"}'}  # fmt: skip
    text = " ".join(render(card(doubtful, [], 3, 9), 80).split())
    assert "date 2020-07-18 (htmldate; sitemap 2026-12-02) DOUBTFUL: witnesses disagree by 2332 days" in text
    assert "see show" not in text
    assert " date " not in " ".join(render(card(ROW, [], 3, 9), 80).split())  # nothing to doubt: no line
