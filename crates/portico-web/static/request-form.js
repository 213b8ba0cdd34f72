// The guided request form, enhanced (without this script every field is shown, each conditional one
// says when it applies, and the server decides): fields appear only when their condition holds, the
// sections become steps with a progress bar on narrow screens, answers are kept on this device until
// the form is sent, and knowledge-base articles are suggested while the subject is typed.
(function () {
  "use strict";
  var form = document.querySelector("form.request-form");
  if (!form) { return; }
  var lang = document.documentElement.lang || "en";
  var t = {
    en: { step: "Step {n} of {m}", next: "Next", back: "Back" },
    "zh-CN": { step: "第 {n} 步，共 {m} 步", next: "下一步", back: "上一步" }
  }[lang] || { step: "Step {n} of {m}", next: "Next", back: "Back" };

  function inputsOf(key) {
    return form.querySelectorAll('[name="f.' + key + '"]');
  }
  // The answer of a field as the server reads it: a list for multiselects, true/false for a checkbox.
  function answer(key) {
    var els = inputsOf(key);
    if (!els.length) { return null; }
    var first = els[0];
    if (first.type === "checkbox" && els.length === 1 && first.value === "on") {
      return first.checked;
    }
    if (first.type === "checkbox") {
      return Array.prototype.filter.call(els, function (e) { return e.checked; })
        .map(function (e) { return e.value; });
    }
    return first.value;
  }
  var fields = Array.prototype.slice.call(form.querySelectorAll("[data-field]"));
  function shown(el) { return !el.hidden; }
  function update() {
    // In order: a condition looks only at earlier fields, so one pass decides everything.
    fields.forEach(function (el) {
      var raw = el.getAttribute("data-visible-if");
      if (!raw) { return; }
      var c;
      try { c = JSON.parse(raw); } catch (e) { return; }
      var target = form.querySelector('[data-field="' + c.field + '"]');
      var visible = false;
      if (target && shown(target)) {
        var a = answer(c.field);
        var values = c.values || [];
        if (Array.isArray(a)) {
          visible = a.some(function (x) { return values.indexOf(x) >= 0; });
        } else {
          visible = values.some(function (v) { return String(v) === String(a); });
        }
      }
      el.hidden = !visible;
      Array.prototype.forEach.call(el.querySelectorAll("input, select, textarea"), function (i) {
        i.disabled = !visible;
      });
    });
    form.querySelectorAll(".request-when").forEach(function (p) { p.hidden = true; });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);

  // A draft kept on this device (files excepted) until the form is sent.
  var draftKey = "portico-draft:" + form.getAttribute("data-form-key");
  var hasErrors = !!document.querySelector(".notice-error");
  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || e.type === "file" || e.type === "hidden" || e.disabled) { return; }
      if (e.type === "checkbox") {
        data[e.name] = data[e.name] || [];
        if (e.checked) { data[e.name].push(e.value); }
      } else {
        data[e.name] = e.value;
      }
    });
    try { localStorage.setItem(draftKey, JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }
  function restore() {
    var data;
    try { data = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { data = null; }
    if (!data) { return; }
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || !(e.name in data) || e.type === "file" || e.type === "hidden") { return; }
      if (e.type === "checkbox") {
        e.checked = data[e.name].indexOf(e.value) >= 0;
      } else if (!e.value) {
        e.value = data[e.name];
      }
    });
  }
  // A page that came back with errors holds what was sent; a fresh one gets the draft.
  if (!hasErrors) { restore(); }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function () {
    try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
  });
  update();

  // Steps on narrow screens.
  var steps = Array.prototype.slice.call(form.querySelectorAll(".request-step"));
  var narrow = window.matchMedia("(max-width: 48em)");
  if (steps.length > 1 && narrow.matches) {
    var current = 0;
    var firstError = steps.findIndex(function (s) { return s.querySelector('[aria-invalid="true"]'); });
    if (firstError >= 0) { current = firstError; }
    var progress = document.createElement("div");
    progress.className = "request-progress";
    progress.setAttribute("aria-live", "polite");
    var label = document.createElement("p");
    label.style.margin = "0";
    var bar = document.createElement("div");
    bar.className = "request-progress-bar";
    var fill = document.createElement("span");
    bar.appendChild(fill);
    progress.appendChild(label);
    progress.appendChild(bar);
    steps[0].parentNode.insertBefore(progress, steps[0]);
    var actions = form.querySelector(".request-actions");
    var submit = actions.querySelector('button[type="submit"]');
    var back = document.createElement("button");
    back.type = "button";
    back.className = "button";
    back.textContent = t.back;
    var next = document.createElement("button");
    next.type = "button";
    next.className = "button button-primary";
    next.textContent = t.next;
    actions.insertBefore(back, submit);
    actions.insertBefore(next, submit);
    var show = function (n, focus) {
      current = n;
      steps.forEach(function (s, i) { s.hidden = i !== n; });
      label.textContent = t.step.replace("{n}", n + 1).replace("{m}", steps.length);
      fill.style.width = Math.round(((n + 1) / steps.length) * 100) + "%";
      back.hidden = n === 0;
      next.hidden = n === steps.length - 1;
      submit.hidden = n !== steps.length - 1;
      if (focus) {
        var legend = steps[n].querySelector("legend");
        if (legend) { legend.setAttribute("tabindex", "-1"); legend.focus(); }
      }
    };
    next.addEventListener("click", function () {
      var ok = true;
      Array.prototype.forEach.call(steps[current].querySelectorAll("input, select, textarea"), function (i) {
        if (ok && !i.disabled && !i.checkValidity()) { i.reportValidity(); ok = false; }
      });
      if (ok) { show(current + 1, true); }
    });
    back.addEventListener("click", function () { show(current - 1, true); });
    show(current, false);
  }

  // Articles that may answer the question, while the subject is typed.
  var subject = form.querySelector("#req-subject");
  var box = form.querySelector(".request-suggestions");
  // A suggestion opened and the form left unsent: the article answered the question (a deflection).
  var opened = null;
  var sent = false;
  form.addEventListener("submit", function () { sent = true; });
  window.addEventListener("pagehide", function () {
    if (!opened || sent || !navigator.sendBeacon) { return; }
    var body = JSON.stringify({ type: form.getAttribute("data-form-key"), article: opened });
    navigator.sendBeacon("/api/v1/requests/deflections", new Blob([body], { type: "application/json" }));
  });
  if (subject && box && window.fetch) {
    var list = box.querySelector("ul");
    var timer = null;
    var latest = 0;
    subject.addEventListener("input", function () {
      clearTimeout(timer);
      var q = subject.value.trim();
      if (q.length < 2) { box.hidden = true; return; }
      timer = setTimeout(function () {
        var n = ++latest;
        fetch(subject.getAttribute("data-suggest") + encodeURIComponent(q), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (data) {
          if (n !== latest) { return; }
          list.textContent = "";
          (data.items || []).slice(0, 3).forEach(function (item) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = "/kb/articles/" + encodeURIComponent(item.slug) + "?q=" + encodeURIComponent(q) +
              "&from=" + encodeURIComponent("request:" + form.getAttribute("data-form-key"));
            a.target = "_blank";
            a.rel = "noopener";
            a.addEventListener("click", function () { opened = item.slug; });
            a.textContent = item.title;
            li.appendChild(a);
            list.appendChild(li);
          });
          box.hidden = !list.children.length;
        }).catch(function () { box.hidden = true; });
      }, 250);
    });
  }
})();
