// A request page that follows the request live: the server sends "changed" (server-sent events) when
// a reply or a status change arrives on any node; the page then fetches itself again and swaps in the
// timeline, the status and the side panel, leaving a reply being typed alone. Without this script a
// reload shows the same.
(function () {
  "use strict";
  var layout = document.querySelector("[data-live]");
  if (!layout || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var busy = false;
  var again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        [".timeline", ".request-status", ".request-side"].forEach(function (sel) {
          var now = document.querySelector(sel);
          var fresh = doc.querySelector(sel);
          if (now && fresh) { now.replaceWith(fresh); }
        });
        // Said once to screen readers, rather than the whole timeline again.
        var status = document.querySelector("[data-live-status]");
        if (status) { status.textContent = status.getAttribute("data-message"); }
      })
      .catch(function () { /* the next event or a reload shows it */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var source = new EventSource(layout.getAttribute("data-live"));
  source.addEventListener("changed", refresh);
  source.addEventListener("open", function () { layout.setAttribute("data-live-state", "open"); });
})();
