"""PEAR/PECL installer registry files: serialize formats v5 and v6, hostile input."""

from __future__ import annotations

import phpserialize

from dockwise.catalog import catalog
from dockwise.catalog.php_pear import PearRegistryCataloger
from dockwise.source.filetree import FileTree

PEAR = (PearRegistryCataloger(),)
REGISTRY = "usr/local/lib/php/.registry"


def registry_entry(name: str, release: str, channel: str | None = None) -> bytes:
    """What PEAR's registry writes: v6 records the channel, v5 does not."""
    entry = {"name": name, "date": "2022-01-11", "time": "15:23:47",
             "version": {"release": release, "api": release},
             "license": {"attribs": {"uri": "http://www.php.net/license"},
                         "_content": "PHP License"},
             "filelist": {f"f{i}.php": {"role": "php"} for i in range(3)}}  # fmt: skip
    if channel is not None:
        entry["channel"] = channel
    return phpserialize.dumps(entry)


def test_v5_and_v6_registry_files() -> None:
    tree = FileTree.from_files({
        f"{REGISTRY}/.channel.pecl.php.net/memcached.reg": registry_entry("memcached", "3.2.0"),
        f"{REGISTRY}/.channel.pecl.php.net/redis.reg": registry_entry("redis", "6.0.2",
                                                                      "pecl.php.net"),
        f"{REGISTRY}/archive_tar.reg": registry_entry("Archive_Tar", "1.4.14"),
        f"{REGISTRY}/.channel.__uri/x.reg": registry_entry("x", "1.0", "__uri"),
    })  # fmt: skip
    inventory = catalog(tree, PEAR)
    assert inventory.warnings == ()
    got = {p.name: (p.version, p.purl, p.licenses, p.found_as) for p in inventory.packages}
    assert got == {
        "memcached": ("3.2.0", "pkg:pear/pecl.php.net/memcached@3.2.0", ("PHP License",),
                      "installed"),
        "redis": ("6.0.2", "pkg:pear/pecl.php.net/redis@6.0.2", ("PHP License",), "installed"),
        "Archive_Tar": ("1.4.14", "pkg:pear/pear.php.net/Archive_Tar@1.4.14",
                        ("PHP License",), "installed"),
        "x": ("1.0", "pkg:pear/__uri/x@1.0", ("PHP License",), "installed"),
    }  # fmt: skip


def test_hostile_registry_files() -> None:
    tree = FileTree.from_files({
        f"{REGISTRY}/a.reg": b'a:1:{s:4:"name";s:99999:"x";}',
        f"{REGISTRY}/b.reg": b"a:1:{i:0;" * 100_000,
        f"{REGISTRY}/c.reg": b'O:8:"stdClass":0:{}',
        f"{REGISTRY}/d.reg": phpserialize.dumps({"version": {"release": "1.0"}}),
        f"{REGISTRY}/e.reg": phpserialize.dumps({"name": b"caf\xe9", "version": "not-a-map"}),
        f"{REGISTRY}/f.reg": b"",
    })  # fmt: skip
    inventory = catalog(tree, PEAR)
    assert [(p.name, p.version) for p in inventory.packages] == [("caf\ufffd", "")]
    assert [w.path.rsplit("/", 1)[-1] for w in inventory.warnings] == [
        "a.reg", "b.reg", "c.reg", "d.reg", "f.reg"]  # fmt: skip
    assert "nested too deep" in inventory.warnings[1].message


def test_huge_registry_file() -> None:
    entry = phpserialize.loads(registry_entry("big", "1.0"))
    entry[b"filelist"] = {f"f{i}.php".encode(): {b"role": b"php"} for i in range(100_000)}
    tree = FileTree.from_files({f"{REGISTRY}/big.reg": phpserialize.dumps(entry)})
    assert [p.version for p in catalog(tree, PEAR).packages] == ["1.0"]
