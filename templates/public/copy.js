// Progressive enhancement: without this, a feed's address is text to select and copy, and its link works. With it,
// a "Copy address" button puts the address on the clipboard, and says so; where the browser cannot copy (a page
// served over plain http), the button stays hidden.
(function () {
  "use strict";
  var canCopy = !!(navigator.clipboard && navigator.clipboard.writeText);
  document.querySelectorAll(".feed-address").forEach(function (box) {
    var address = box.querySelector("code"), link = box.querySelector("a"), button = box.querySelector("button.copy");
    var status = box.querySelector("[role=status]");
    // without public.base_url the page shows the link's relative address: the full one is where it is read from
    if (!/^[a-z][a-z0-9+.-]*:/i.test(address.textContent)) {
      address.textContent = link.href;
      address.hidden = false;
    }
    if (!canCopy || !button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      document.querySelectorAll(".feed-address [role=status]").forEach(function (other) { other.textContent = ""; });
      navigator.clipboard.writeText(address.textContent).then(function () {
        status.textContent = button.dataset.copied;
      }, function () {
        // denied: the address is selected instead, ready for the device's own Copy
        window.getSelection().selectAllChildren(address);
        status.textContent = button.dataset.failed;
      });
    });
  });
})();
