/* With JavaScript, the filter links filter in place (and the address keeps the choice); without it they are pages. */
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
  if (location.hash.length > 1) apply(decodeURIComponent(location.hash.slice(1)));
})();
