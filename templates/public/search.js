// Progressive enhancement: the site reads fine without this; with it, Pagefind searches every story.
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  new PagefindUI({ element: "#search", bundlePath: element.dataset.bundle, showSubResults: true, showImages: false, resetStyles: false });
});
