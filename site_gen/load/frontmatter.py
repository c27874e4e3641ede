"""Markdown files with YAML front matter, delimited strictly.

A file whose front matter is not cleanly delimited is an error, never body:
otherwise an `audience: internal` line could end up published as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic, SourceLoc, error

DELIMITER = "---"


@dataclass(frozen=True, slots=True)
class Split:
    front_matter: str
    body: str
    body_line: int  # 1-based line where the body starts


def split_front_matter(text: str, path: str, diagnostics: list[Diagnostic]) -> Split | None:
    lines = text.split("\n")
    first = lines[0].rstrip(" \t")
    if first != DELIMITER:
        if not first.strip() and any(line.rstrip() == DELIMITER for line in lines[:50]):
            diagnostics.append(error(SourceLoc(path, 1, 1), "front-matter", "front matter must start on line 1",
                                     "delete the blank line(s) before the opening '---'"))
        else:
            diagnostics.append(error(SourceLoc(path, 1, 1), "front-matter", "file does not start with front matter",
                                     "start the file with a line '---', the YAML fields, then a closing '---'"))
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip(" \t") == DELIMITER:
            front = "\n".join(lines[1:index]) + "\n"
            body = "\n".join(lines[index + 1:])
            blank_lines = len(body) - len(body.lstrip("\n"))
            return Split(front, body.strip("\n") + ("\n" if body.strip() else ""), index + 2 + blank_lines)
    diagnostics.append(error(SourceLoc(path, 1, 1), "front-matter", "front matter opened on line 1 is never closed",
                             "add a line '---' after the last field, before the markdown text"))
    return None
