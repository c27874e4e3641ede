/* With JavaScript, the filter links filter in place (and the address keeps the choice); without it they are pages.
   A segment's link has no data-filter and stays a link: its page orders the cards by the segment's customers and
   counts them on each card, which hiding cards here could not. */
(function () {
  var links = document.querySelectorAll("nav.filters a[data-filter]");
  // only on the unfiltered board, which holds every open card; a filter page stays a plain page
  if (!links.length || !document.querySelector(".board-page[data-all]")) return;
  function apply(key) {
    document.querySelectorAll(".board-page .card").forEach(function (card) {
      var values = card.dataset.filters.split(" ");
      card.hidden = key !== "" && values.indexOf(key) < 0;
    });
    document.querySelectorAll(".board-page section.triage").forEach(function (group) {
      group.hidden = !group.querySelector(".card:not([hidden])");
    });
    links.forEach(function (a) { if (a.dataset.filter === key) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current"); });
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      history.replaceState(null, "", a.dataset.filter ? "#" + a.dataset.filter : location.pathname);
      apply(a.dataset.filter);
    });
  });
  var chosen = decodeURIComponent(location.hash.slice(1));
  if (!chosen) return;
  if (Array.prototype.some.call(links, function (a) { return a.dataset.filter === chosen; })) { apply(chosen); return; }
  // an address kept from when a segment filtered in place (#segment:commuter): the segment's page
  var path = "board/" + chosen.replace(":", "/") + "/index.html";
  var page = Array.prototype.find.call(document.querySelectorAll("nav.filters a"), function (a) {
    return a.getAttribute("href").endsWith(path);
  });
  if (page) location.replace(page.href);
})();
