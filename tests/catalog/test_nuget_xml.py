"""Declared NuGet packages from packages.config and central package management props."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.nuget_xml import NugetXmlCataloger
from dockwise.source.filetree import FileTree

XML = (NugetXmlCataloger(),)
KNOWN = {
    "trivy__nuget-config__dev_dependency.config": (
        "trivy leaves development dependencies out; we report them marked dev=true"
    ),
}


def place(name: str, data: bytes) -> str | None:
    """Fixtures are renamed (`valid`, `several_item_groups`): tell them by content; an
    SDK-style `<Project Sdk=...>` is a project file (scalibr's csproj case)."""
    if b"<packages" in data and b"<package " in data:
        return "packages.config"
    if b"<Project" in data and (b"<PackageVersion" in data or b"<PackageReference" in data):
        return "App.csproj" if b"Sdk=" in data else "Directory.Packages.props"
    return None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("dotnet", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, XML, version) == expected_pairs(case, version)


PROPS = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup>
    <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
    <SerilogVersion>3.1.1</SerilogVersion>
    <ExtensionsVersion>$(SerilogBase).0</ExtensionsVersion>
  </PropertyGroup>
  <PropertyGroup Condition="'$(TargetFramework)' == 'net8.0'">
    <serilogbase>8.0</serilogbase>
  </PropertyGroup>
  <ItemGroup>
    <PackageVersion Include="Serilog" Version="$(SerilogVersion)" />
    <PackageVersion Include="Microsoft.Extensions.Http" Version="$(ExtensionsVersion)" />
    <PackageVersion Include="Ranged" Version="[1.0,2.0)" />
    <PackageVersion Include="Floating" Version="6.*" />
    <PackageVersion Include="FromElsewhere" Version="$(DefinedInBuildProps)" />
    <PackageVersion Include="AsChild"><Version>2.0.0</Version></PackageVersion>
    <PackageVersion Include="NoVersion" />
    <GlobalPackageReference Include="StyleCop.Analyzers" Version="1.1.118" />
  </ItemGroup>
</Project>
"""
CONFIG = b"""<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="Newtonsoft.Json" version="8.0.3" allowedVersions="[8,10)" targetFramework="net46" />
  <package id="Microsoft.Net.Compilers" version="1.0.0" developmentDependency="true" />
  <package id="NoVersion" />
</packages>
"""


def test_central_package_versions() -> None:
    tree = FileTree.from_files({"src/Directory.Packages.props": PROPS})
    got = {p.name: (p.version, dict(p.metadata)) for p in catalog(tree, XML).packages}
    assert got == {
        "Serilog": ("3.1.1", {}),
        "Microsoft.Extensions.Http": ("8.0.0", {}),
        "Ranged": ("", {"constraint": "[1.0,2.0)"}),
        "Floating": ("", {"constraint": "6.*"}),
        "FromElsewhere": ("", {"constraint": "$(DefinedInBuildProps)"}),
        "AsChild": ("2.0.0", {}),
        "StyleCop.Analyzers": ("1.1.118", {"dev": "true"}),
    }


def test_packages_config() -> None:
    tree = FileTree.from_files({"web/packages.config": CONFIG})
    found = {p.name: p for p in catalog(tree, XML).packages}
    assert {n: (p.version, dict(p.metadata)) for n, p in found.items()} == {
        "Newtonsoft.Json": ("8.0.3", {"allowed_versions": "[8,10)", "target_framework": "net46"}),
        "Microsoft.Net.Compilers": ("1.0.0", {"dev": "true"}),
    }
    assert found["Newtonsoft.Json"].purl == "pkg:nuget/Newtonsoft.Json@8.0.3"
    assert {p.found_as for p in found.values()} == {"declared"}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<packages><package id="&lol2;" version="1.0.0" /></packages>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project><ItemGroup><PackageVersion Include="&xxe;" Version="1.0.0" /></ItemGroup></Project>
"""


def test_hostile_xml_warns() -> None:
    loop = b"<Project><PropertyGroup><A>$(B)</A><B>$(A)</B></PropertyGroup><ItemGroup>"
    loop += b'<PackageVersion Include="Loop" Version="$(A)" /></ItemGroup></Project>'
    tree = FileTree.from_files(
        {
            "a/packages.config": BILLION_LAUGHS,
            "b/Directory.Packages.props": EXTERNAL,
            "c/packages.config": b"<packages><package id=",
            "d/packages.config": b"<a>" * 50_000,
            "e/Directory.Packages.props": loop,
            "f/App.csproj": b"<Project>" * 50_000,
        }
    )
    inventory = catalog(tree, XML)
    assert [(p.name, p.version) for p in inventory.packages] == [("Loop", "")]
    assert sorted(w.path for w in inventory.warnings) == [
        "a/packages.config", "b/Directory.Packages.props", "c/packages.config",
        "d/packages.config", "f/App.csproj"]  # fmt: skip
    assert all("invalid XML" in w.message for w in inventory.warnings)


PROJECT = b"""<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><AspNetVersion>8.0.1</AspNetVersion></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.AspNetCore.OpenApi" Version="$(AspNetVersion)" />
    <PackageReference Include="Serilog"><Version>3.1.1</Version></PackageReference>
    <PackageReference Include="Centrally.Managed" />
    <PackageReference Include="Overridden" VersionOverride="2.0.0" />
    <PackageReference Include="StyleCop.Analyzers" Version="1.1.118" PrivateAssets="all" />
    <ProjectReference Include="../Lib/Lib.csproj" />
  </ItemGroup>
</Project>
"""


def test_project_file_references() -> None:
    tree = FileTree.from_files({"src/Api/Api.csproj": PROJECT})
    got = {p.name: (p.version, dict(p.metadata)) for p in catalog(tree, XML).packages}
    assert got == {
        "Microsoft.AspNetCore.OpenApi": ("8.0.1", {}),
        "Serilog": ("3.1.1", {}),
        "Overridden": ("2.0.0", {}),
        "StyleCop.Analyzers": ("1.1.118", {"dev": "true"}),
    }


def test_project_with_restore_output_is_left_to_it() -> None:
    tree = FileTree.from_files({"src/Api/Api.fsproj": PROJECT,
                                "src/Api/obj/project.assets.json": b"{}"})  # fmt: skip
    assert catalog(tree, XML).packages == ()
