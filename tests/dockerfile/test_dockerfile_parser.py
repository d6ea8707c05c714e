"""The parser on the shapes real Dockerfiles use, and on input meant to break it."""


import pytest

from dockwise.dockerfile.parser import expand, parse, parse_bytes


def only(text: str):
    (instruction,) = parse(text).instructions
    return instruction


def test_continuation_drops_comments_and_blank_lines():
    run = only("RUN apt-get update \\\n  # why\n\n  && apt-get install -y curl\n")
    assert (run.keyword, run.line) == ("RUN", 1)
    assert run.args == "apt-get update && apt-get install -y curl"


def test_escape_directive_backtick():
    parsed = parse("# escape=`\nFROM windows\nRUN dir C:\\ `\n  && echo hi\n")
    assert parsed.directives == (("escape", "`"),)
    assert parsed.instructions[1].args == "dir C:\\ && echo hi"


def test_directive_after_a_comment_is_a_comment():
    parsed = parse("# hello\n# escape=`\nRUN a \\\n b\n")
    assert parsed.directives == ()
    assert parsed.instructions[0].args == "a b"


def test_exec_and_shell_form():
    parsed = parse('CMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT nginx -g x\nCMD [broken\n')
    assert parsed.instructions[0].exec_form == ("nginx", "-g", "daemon off;")
    assert parsed.instructions[1].exec_form is None
    assert parsed.instructions[2].exec_form is None


def test_flags_and_keyword_case_and_tabs():
    copy = only("copy\t--from=build --chown=1:1 /a /b\n")
    assert (copy.keyword, copy.flag("from"), copy.flag("chown"), copy.args) == (
        "COPY", "build", "1:1", "/a /b")  # fmt: skip


def test_onbuild_wraps_instruction():
    run = only("ONBUILD RUN make\n")
    assert (run.keyword, run.onbuild, run.args) == ("RUN", True, "make")


def test_heredoc_body_is_the_script():
    parsed = parse("RUN <<EOF\napt-get update\napt-get install -y x\nEOF\nUSER app\n")
    run, user = parsed.instructions
    assert run.heredocs[0].body == "apt-get update\napt-get install -y x"
    assert "apt-get install -y x" in run.script
    assert (user.keyword, user.line) == ("USER", 5)


def test_heredoc_with_dash_strips_tabs_and_here_string_is_not_one():
    run = only("RUN <<-'END' bash\n\techo hi\n\tEND\n")
    assert run.heredocs[0].body == "echo hi"
    assert only("RUN cat <<< hello\n").heredocs == ()


def test_unterminated_heredoc_warns():
    parsed = parse("RUN <<EOF\necho hi\n")
    assert parsed.warnings == ((1, "here-document <<EOF is not terminated"),)


def test_inline_ignore_applies_to_next_instruction_only():
    text = "# dockwise ignore=DW101, DW104\nRUN a\nRUN b\n# hadolint ignore=DL3008\nRUN c\n"
    parsed = parse(text)
    assert [sorted(i.ignores) for i in parsed.instructions] == [
        ["DW101", "DW104"], [], ["DL3008"]]  # fmt: skip


def test_expand_variables():
    env = {"V": "1.2", "EMPTY": ""}
    assert expand("x-$V ${V} ${NOPE:-d} ${EMPTY:-d} ${V:+set} $NOPE", env) == (
        "x-1.2 1.2 d d set $NOPE")  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x00\xff\xfe" * 50_000, id="binary_garbage"),
        pytest.param(b"RUN " + b"curl " * 400_000, id="huge_line"),
        pytest.param(b"RUN a \\\n" * 50_000, id="endless_continuation"),
        pytest.param(b"RUN <<EOF\n" + b"x\n" * 100_000, id="unterminated_heredoc"),
        pytest.param(b"CMD " + b"[" * 100_000, id="deep_json"),
        pytest.param(b"RUN <<A <<B <<C\n" * 2000, id="many_heredocs"),
        pytest.param(b"ENV " + b"K=" + b"ab" * 200_000, id="huge_env"),
    ],
)
def test_hostile_input_warns_and_finishes(data):
    from dockwise.dockerfile.lint import lint

    parsed = parse_bytes(data)
    result = lint(data)
    assert len(parsed.warnings) <= 11
    assert not [w for w in result.warnings if "could not run" in w.message]
