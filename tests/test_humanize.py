from dockwise.humanize import counted, human_size


def test_a_count_agrees_with_its_noun():
    assert [counted(n, "group") for n in (0, 1, 2)] == ["0 groups", "1 group", "2 groups"]


def test_sizes_read_as_docker_prints_them():
    assert [human_size(n) for n in (512, 2048, 3 * 1024**3)] == ["512 B", "2.0 KiB", "3.0 GiB"]
