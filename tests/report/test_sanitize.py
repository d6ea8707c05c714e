import pytest
from rich.console import Console

from dockwise.report.sanitize import clean, text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain-name_1.0+deb12u1", "plain-name_1.0+deb12u1"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\x00b\x7fc", "a\\x00b\\x7fc"),
        ("csi\x9b31m", "csi\\x9b31m"),
        ("line1\nline2\tx\r", "line1\\nline2\\tx\\r"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("ünïcödé 日本", "ünïcödé 日本"),
    ],
    ids=[
        "plain",
        "esc",
        "nul_del",
        "c1_csi",
        "whitespace",
        "bidi_override",
        "zero_width",
        "unicode",
    ],
)
def test_clean_escapes_controls_visibly(raw, shown):
    assert clean(raw) == shown


def test_text_is_not_parsed_as_markup():
    console = Console(width=80, color_system=None, force_terminal=False)
    with console.capture() as capture:
        console.print(text("[bold red]admin[/] :smile:"))
    assert capture.get() == "[bold red]admin[/] :smile:\n"
