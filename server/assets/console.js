// Baoxiu's pages work without this file; it only helps after htmx has swapped part of a page,
// and adds or removes a row of lines (or a kept file) in place, where the buttons would otherwise
// send the form back for the server to do it.
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

  // The most rows a form of lines holds (a cost sheet's 200 lines).
  var MOST_LINES = 200;

  function renumber(row, n) {
    row.querySelectorAll("[name], [id], [aria-label], button.remove-line").forEach(function (el) {
      ["name", "id"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && /_\d+$/.test(value)) {
          el.setAttribute(attr, value.replace(/_\d+$/, "_" + n));
        }
      });
      var label = el.getAttribute("aria-label");
      if (label && / \d+$/.test(label)) {
        el.setAttribute("aria-label", label.replace(/ \d+$/, " " + n));
      }
      if (el.classList.contains("remove-line")) {
        el.value = String(n);
      }
    });
  }

  function clear(row) {
    row.querySelectorAll("input, select").forEach(function (el) {
      if (el.tagName === "SELECT") {
        el.selectedIndex = 0;
      } else {
        el.value = "";
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.more-lines, button.remove-line, button.remove-file");
    if (!button) {
      return;
    }
    if (button.classList.contains("remove-file")) {
      event.preventDefault();
      button.closest("li").remove();
      return;
    }
    var body = button.closest("form").querySelector("tbody.lines");
    if (!body) {
      return;
    }
    event.preventDefault();
    var rows = body.querySelectorAll("tr");
    if (button.classList.contains("remove-line")) {
      var row = button.closest("tr");
      if (rows.length > 1) {
        row.remove();
      } else {
        clear(row);
      }
      return;
    }
    if (rows.length >= MOST_LINES) {
      return;
    }
    var next = 0;
    body.querySelectorAll("button.remove-line").forEach(function (b) {
      next = Math.max(next, parseInt(b.value, 10) || 0);
    });
    var added = rows[rows.length - 1].cloneNode(true);
    clear(added);
    renumber(added, next + 1);
    body.appendChild(added);
    var first = added.querySelector("input");
    if (first) {
      first.focus();
    }
  });
})();
