// Results while typing, for every search box (progressive enhancement: without this script the form
// submits to /search as usual). An ARIA combobox: arrow keys move through the suggestions, Enter opens
// one, Escape closes the list. Suggestions come from GET /api/v1/search in the page's language.
(function () {
  "use strict";
  var boxes = document.querySelectorAll('form[role="search"] input[type="search"]');
  Array.prototype.forEach.call(boxes, function (input, n) {
    var form = input.form;
    var row = input.parentNode;
    var list = document.createElement("ul");
    var listId = "suggest-" + n;
    var timer = null;
    var active = -1;
    var latest = 0;
    list.id = listId;
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "");
    list.hidden = true;
    row.classList.add("suggest-anchor");
    row.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function mark(i) {
      var items = list.querySelectorAll('[role="option"]');
      if (!items.length) { return; }
      active = (i + items.length) % items.length;
      Array.prototype.forEach.call(items, function (el, k) {
        el.setAttribute("aria-selected", k === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function show(items) {
      list.textContent = "";
      items.forEach(function (it, k) {
        var li = document.createElement("li");
        li.id = listId + "-" + k;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-href", it.href);
        li.textContent = it.title;
        // Before the input's blur closes the list.
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          window.location.assign(it.href);
        });
        list.appendChild(li);
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }
    function fetchNow() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var ticket = ++latest;
      fetch("/api/v1/search?limit=6&ranking=words&q=" + encodeURIComponent(q), {
        headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang || "en" },
        credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (ticket === latest) { show(data.items || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); mark(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(active - 1); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        var option = list.querySelectorAll('[role="option"]')[active];
        if (option) { window.location.assign(option.getAttribute("data-href")); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    form.addEventListener("submit", close);
  });
})();
