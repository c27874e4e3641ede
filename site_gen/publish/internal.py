"""The employees' site, rendered from an InternalSite."""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from ..agenda import Agenda
from ..charts import effect_chart, line_chart
from ..colors import accent_palette, favicon
from ..digest import atom_feed
from ..incremental import Kept, PageReuse
from ..model import SiteConfig
from ..render import Page, not_found_page, render_pages, template_mistakes, theme_file
from ..views.internal import InternalSite


def pages(site: InternalSite) -> list[Page]:
    out = [
        Page("index.html", "dashboard.html"),
        Page("board/index.html", "board.html", {"board": site.board, "current": None}),
        Page("board/archive/index.html", "archive.html"),
        Page("decisions/index.html", "decisions.html"),
        Page("stories/index.html", "stories.html"),
        Page("journey/index.html", "journey.html"),
        Page("teams/index.html", "teams.html"),
        Page("feedback/index.html", "feedback.html"),
        Page("agenda/index.html", "agenda.html", {"agenda": site.agenda}),
    ]
    out += [Page(b.path, "board.html", {"board": b.board, "current": b.filter}) for b in site.boards]
    out += [Page(f"irritants/{p.irritant.id}/index.html", "irritant.html",
                 {"page": p, "effect_chart": effect_chart(p.facts.effect, "Linked complaints per week, before and "
                                                          "after the fix") if p.facts.effect else None})
            for p in site.irritants]
    out += [Page(f"decisions/{p.decision.id}/index.html", "decision.html", {"page": p}) for p in site.decisions]
    out += [Page(f"stories/{p.story.id}/index.html", "story.html", {"page": p}) for p in site.stories]
    out += [Page(f"stages/{s.id}/index.html", "stage.html", {"stage": s}) for s in site.stages]
    out += [Page(f"teams/{t.id}/index.html", "team.html", {"team": t}) for t in site.teams]
    out.append(Page("digest/index.html", "digests.html"))
    out += [Page(f"digest/{p.digest.key}/index.html", "digest.html", {"page": p}) for p in site.digests]
    return out


def agenda_page(agenda: Agenda, config: SiteConfig, env: jinja2.Environment) -> bytes:
    """The agenda as one printable page on its own (site-gen agenda --format html): the stylesheet inline,
    links to the internal site at its base_url (relative when it has none)."""
    shared = {"config": config, "today": agenda.on, "inline_css": theme_file(env, "site.css").decode("utf-8"),
              "palette": accent_palette(config.public.accent)}
    root = config.internal.base_url or ""
    with template_mistakes():
        html = env.get_template("agenda.html").render(**shared, agenda=agenda, root=root, page_path="agenda/index.html")
    return html.encode("utf-8")


def render(site: InternalSite, env: jinja2.Environment,
           progress: Callable[[int], None] | None = None, reuse: PageReuse | None = None) -> dict[str, bytes | Kept]:
    shared = {
        "site": site, "config": site.config, "today": site.today, "inline_css": None,
        "palette": accent_palette(site.config.public.accent),
        "charts": {v.metric.id: line_chart(v.facts.series, v.metric.name, v.metric.unit) for v in site.metrics},
    }
    files = render_pages(env, pages(site), shared, progress, reuse)
    files["assets/site.css"] = theme_file(env, "site.css")
    files["assets/board.js"] = theme_file(env, "board.js")   # the board's filters, in place (optional)
    files["assets/favicon.svg"] = favicon(site.config.public.accent)
    files["404.html"] = not_found_page(env, shared, site.config.internal.base_url)
    files["digest/feed.xml"] = atom_feed([(p.digest, str(p.html)) for p in site.digests], site.config.internal.title,
                                         site.config.internal.base_url, site.config.organisation)
    return files
