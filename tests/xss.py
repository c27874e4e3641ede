"""A backlog whose every user-editable field holds an attack: script tags, event handlers,
javascript:/data: links, attribute-breaking quotes, entity-encoded schemes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from itertools import cycle
from pathlib import Path

PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=\"alert('xss-img')\">",
    "\"><svg onload=alert('xss-svg')>",
    "' onmouseover='alert(1)' x='",
    "</title><script>alert('xss-title')</script>",
    "javascript:alert('xss-bare')",
    "{{ 7*7 }}{% raw %}",
    "&lt;script&gt;alert('xss-entity')&lt;/script&gt;",
]
MARKDOWN_PAYLOADS = """\
[click me](javascript:alert('xss-md-link'))

[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=)

[entity](&#106;avascript:alert('xss-entity-link'))

[hex entity](&#x6A;avascript:alert('xss-hex'))

[spaced](<java script:alert('xss-space')>)

![image](javascript:alert('xss-image'))

![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)

<a href="javascript:alert('xss-raw-a')">raw</a>

<script>alert('xss-raw-script')</script>

[ref link][evil]

[evil]: javascript:alert('xss-ref')

<javascript:alert('xss-autolink')>

[vb](vbscript:msgbox(1)) [file](file:///etc/passwd) [ok](https://example.org/safe)
"""


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def write_xss_repo(root: Path) -> Path:
    payload = cycle(PAYLOADS)

    def p() -> str:
        return _q(next(payload))

    for folder in ("backlog/irritants", "backlog/decisions", "backlog/stories", "feedback"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        f"organisation: {p()}\npublic: {{title: {p()}, base_url: https://example.org/x/, language: en}}\n"
        f"internal: {{title: {p()}}}\njourney_stages: [payment, support]\nteams: [app]\nsegments: [commuter]\n"
        f"rules: {{review_every_days: 3650}}\n"
        f"metrics:\n  - {{id: nps, name: {p()}, direction: up, threshold: 1000, unit: {p()}, compute: nps}}\n",
        encoding="utf-8")
    for number, (visibility, status, triage) in enumerate(
            [("public", "in-progress", "plan"), ("public", "declined", "decline"), ("internal", "open", "act-now")]):
        closed = "closed: 2026-05-01\n" if status == "declined" else ""
        (root / f"backlog/irritants/attack-{number}.yaml").write_text(
            f"title: {p()}\nsummary: {_q(MARKDOWN_PAYLOADS)}\npublic_title: {p()}\njourney_stage: payment\n"
            f"team: app\nowner: {p()}\ncause: {p()}\ntriage: {triage}\ndecline_reason: {p()}\n"
            f"public_reason: {p()}\nstatus: {status}\nopened: 2026-01-01\ntarget: 2027-01-01\n"
            f"reviewed: 2026-11-20\n{closed}visibility: {visibility}\n", encoding="utf-8")
    for number, audience in enumerate(["public", "internal", "public"]):
        (root / f"backlog/stories/attack-{number}.md").write_text(
            f"---\ntitle: {p()}\ndate: 2026-10-0{number + 1}\nyou_said: {p()}\nwe_did: {p()}\nresult: {p()}\n"
            f"irritants: [attack-{number}]\naudience: {audience}\ninternal_notes: {p()}\n---\n\n"
            f"{MARKDOWN_PAYLOADS}", encoding="utf-8")
    (root / "backlog/decisions/attack.md").write_text(
        f"---\ntitle: {p()}\ndate: 2026-10-01\nowner: {p()}\nreview_on: 2027-01-01\nstatus: active\n"
        f"kind: arbitration\nirritants: [attack-0]\ncustomer: {p()}\npromise: {p()}\nteams: {p()}\n"
        f"simplest: {p()}\n---\n\n{MARKDOWN_PAYLOADS}", encoding="utf-8")
    rows = [{"id": f"A-{n}", "date": "2026-10-01", "source": "survey", "journey_stage": "payment",
             "customer": f"attack-customer-{n}", "verbatim": payload, "irritant": "attack-2" if n % 2 else None,
             "score_type": "nps", "score": 5}
            for n, payload in enumerate(PAYLOADS)]
    (root / "feedback/attack.jsonl").write_text(
        "".join(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n" for row in rows), encoding="utf-8")
    return root


UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}


class ActiveContent(HTMLParser):
    """Finds what could run: script elements, event-handler attributes, unsafe URL schemes."""

    def __init__(self, allowed_scripts: tuple[str, ...] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not any((values.get("src") or "").endswith(s) for s in self.allowed_scripts):
            self.problems.append(f"<script {values}>")
        if tag in ("iframe", "object", "embed", "base", "form"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and value is not None:
                compact = "".join(ch for ch in value if ch > " ").lower()
                if compact.startswith(UNSAFE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def active_content(html: str, allowed_scripts: tuple[str, ...] = ()) -> list[str]:
    parser = ActiveContent(allowed_scripts)
    parser.feed(html)
    parser.close()
    return parser.problems
