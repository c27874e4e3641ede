"""The employees' site, rendered from an InternalSite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

import jinja2
from markupsafe import Markup

from ..agenda import Agenda
from ..digest import atom_feed, digest_body
from ..i18n import Language, language
from ..incremental import Kept, PageReuse
from ..markdown import render_markdown
from ..model import Direction, SiteConfig
from ..text import month_key
from ..views.internal import RISKS_SHOWN, THEMES_OPEN, THEMES_SHOWN, DigestPage, InternalSite, MetricView
from .charts import EffectChart, line_chart
from .colors import accent_palette, favicon
from .render import Page, not_found_page, render_pages, template_mistakes, theme_file


def pages(site: InternalSite, words: Language | None = None) -> list[Page]:
    """words: the internal site's language, for what Python draws or writes (charts, the digest's text)."""
    words = words or language()
    out = [
        Page("index.html", "dashboard.html", {"risks_shown": RISKS_SHOWN}),
        Page("board/index.html", "board.html", {"board": site.board, "current": None}),
        Page("board/archive/index.html", "archive.html"),
        Page("decisions/index.html", "decisions.html"),
        Page("stories/index.html", "stories.html"),
        Page("journey/index.html", "journey.html", {"risks_shown": RISKS_SHOWN}),
        Page("teams/index.html", "teams.html"),
        Page("feedback/index.html", "feedback.html", {"themes_shown": THEMES_SHOWN, "themes_open": THEMES_OPEN}),
        Page("agenda/index.html", "agenda.html", {"agenda": site.agenda, "words": words}),
    ]
    out += [Page(b.path, "board.html", {"board": b.board, "current": b.filter}) for b in site.boards]
    out += [Page(f"irritants/{p.irritant.id}/index.html", "irritant.html",
                 {"page": p, "effect_chart": EffectChart(p.facts.effect, words) if p.facts.effect else None})
            for p in site.irritants]
    out += [Page(f"decisions/{p.decision.id}/index.html", "decision.html", {"page": p}) for p in site.decisions]
    out += [Page(f"stories/{p.story.id}/index.html", "story.html", {"page": p}) for p in site.stories]
    out += [Page(f"stages/{s.id}/index.html", "stage.html", {"stage": s}) for s in site.stages]
    out += [Page(f"teams/{t.id}/index.html", "team.html", {"team": t}) for t in site.teams]
    out.append(Page("digest/index.html", "digests.html"))
    out += [Page(f"digest/{p.digest.key}/index.html", "digest.html", {"page": p, "body": digest_html(p, words)})
            for p in site.digests]
    return out


def digest_html(page: DigestPage, words: Language) -> Markup:
    """The same markdown `site-gen digest` posts to the team chat, below its headline, as HTML."""
    return render_markdown(digest_body(page.digest, words))


def agenda_page(agenda: Agenda, config: SiteConfig, env: jinja2.Environment, words: Language | None = None) -> bytes:
    """The agenda as one printable page on its own (site-gen agenda --format html): the stylesheet inline,
    links to the internal site at its base_url (relative when it has none); words: env's language."""
    shared = {"config": config, "today": agenda.on, "inline_css": theme_file(env, "site.css").decode("utf-8"),
              "palette": accent_palette(config.public.accent), "words": words or language()}
    root = config.internal.base_url or ""
    with template_mistakes():
        html = env.get_template("agenda.html").render(**shared, agenda=agenda, root=root, page_path="agenda/index.html")
    return html.encode("utf-8")


def metric_chart(view: MetricView, today: date, words: Language | None = None) -> Markup:
    """A metric's line with the incomplete month, the threshold its next month is measured against, and its
    decisions marked (D1 = the oldest)."""
    metric, series = view.metric, view.facts.series
    complete = [p for p in series if p.period < month_key(today)]
    threshold = None
    if complete and metric.threshold > 0:
        sign = -1.0 if metric.direction == Direction.UP else 1.0
        threshold = round(complete[-1].value + sign * metric.threshold, 6)
    decisions = tuple((month_key(d.date), d.title) for d in reversed(view.decisions))
    words = words or language()
    return line_chart(series, metric.name, today=today, threshold=threshold, decisions=decisions,
                      chart_id=f"metric-{metric.id}-chart", month_label=words.short_month, gettext=words.gettext,
                      # its unit and decimals too: 0.5% (0,5 % in French), NPS 12 (not 11.74)
                      number=partial(words.measure, unit=metric.unit, digits=view.digits),
                      tick=lambda value, decimals: words.measure(value, metric.unit, decimals))


def render(site: InternalSite, env: jinja2.Environment,
           progress: Callable[[int], None] | None = None, words: Language | None = None,
           reuse: PageReuse | None = None, listed: list[Page] | None = None,
           out: dict[str, bytes | Kept] | None = None, elsewhere: Sequence[Page] = ()) -> dict[str, bytes | Kept]:
    """words: the internal site's language (the templates have theirs from env); English when not given.
    listed: pages(site, words), when the caller made them already. The files are set into `out` when given
    (a write.SiteSpool, which stages each as it comes). elsewhere: pages of `listed` that another process
    renders meanwhile (render_share), not this call."""
    words = words or language()
    shared = shared_values(site, words)
    listed = pages(site, words) if listed is None else listed
    skipped = {page.path for page in elsewhere}
    files = render_pages(env, [page for page in listed if page.path not in skipped], shared, progress, reuse, out)
    for name, data in extras(site, env, shared, words, listed).items():
        files[name] = data
    return files


def render_share(site: InternalSite, env: jinja2.Environment, words: Language, share: Sequence[Page],
                 reuse: PageReuse | None = None, out: dict[str, bytes | Kept] | None = None) -> dict[str, bytes | Kept]:
    """Some of the site's pages, and nothing beside them: the share a second process renders (build)."""
    return render_pages(env, share, shared_values(site, words), None, reuse, out)


def shared_values(site: InternalSite, words: Language) -> dict[str, Any]:
    """What every internal page's template sees besides its own context."""
    return {
        "site": site, "config": site.config, "today": site.today, "inline_css": None,
        "palette": accent_palette(site.config.public.accent),
        "charts": {v.metric.id: metric_chart(v, site.today, words) for v in site.metrics},
    }


def extras(site: InternalSite, env: jinja2.Environment, shared: dict[str, Any], words: Language,
           listed: list[Page]) -> dict[str, bytes]:
    """The files beside the pages: the theme's assets, the 404 page, the digests' feed."""
    return {name: make() for name, _, make in extra_files(site, env, shared, words, listed)}


def extra_files(site: InternalSite, env: jinja2.Environment, shared: dict[str, Any], words: Language,
                listed: list[Page]) -> list[tuple[str, Callable[[bool], tuple[()] | None], Callable[[], bytes]]]:
    """Each file beside the pages, with the objects whose bodies it shows (() : none; None: not known, the 404
    page's template) and how to make it."""
    config = site.config
    bodies = {page.path: page.context["body"] for page in listed if "body" in page.context}
    digests = [(p.digest, str(bodies[f"digest/{p.digest.key}/index.html"])) for p in site.digests]
    def none(_whole: bool) -> tuple[()]:
        return ()

    return [("assets/site.css", none, partial(theme_file, env, "site.css")),
            ("assets/board.js", none, partial(theme_file, env, "board.js")),   # the board's filters (optional)
            ("assets/favicon.svg", none, partial(favicon, config.public.accent)),
            ("404.html", lambda _whole: None, partial(not_found_page, env, shared, config.internal.base_url)),
            ("digest/feed.xml", none,
             partial(atom_feed, digests, config.internal.title, config.internal.base_url, config.organisation, words))]
