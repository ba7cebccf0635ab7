// Baoxiu's pages work without this file; it only helps after htmx has swapped part of a page.
// No eval, no inline handlers: the content security policy allows scripts from this server only.
(function () {
  "use strict";
  // After a swap, move the keyboard focus to a refusal or notice, so it is read out and seen.
  document.addEventListener("htmx:afterSettle", function () {
    var message = document.querySelector("[role=alert]");
    if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });
})();
