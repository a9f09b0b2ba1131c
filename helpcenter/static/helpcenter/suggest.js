/* Help-centre suggestions while typing. No dependencies, no CDN.
   Attach to any <input data-help-suggest="/api/v1/help/search" data-help-lang="ja"
   aria-controls="LIST_ID">; the inquiry form can reuse it the same way.
   Latency budget (< 100 ms keystroke to render): 20 ms debounce, server ~ a few ms,
   in-flight requests aborted, identical queries answered from a small cache. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 20;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var endpoint = input.getAttribute("data-help-suggest");
    var lang = input.getAttribute("data-help-lang") || document.documentElement.lang || "ja";
    var base = input.getAttribute("data-help-article-url") || "/help/articles/";
    var cache = new Map();
    var timer = null, controller = null, active = -1, lastShown = "";

    function render(query, results) {
      lastShown = query;
      list.textContent = "";
      active = -1;
      if (!results.length) { list.hidden = true; return; }
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        var a = document.createElement("a");
        a.href = base + encodeURIComponent(r.slug) + "/";
        a.className = "help-suggestion";
        var title = document.createElement("strong");
        title.textContent = r.title;
        var snip = document.createElement("span");
        snip.className = "muted";
        snip.textContent = r.snippet;
        a.appendChild(title);
        a.appendChild(snip);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("data-rendered-at", String(performance.now()));
      input.setAttribute("data-rendered-query", query);
    }

    function fetchSuggestions(query) {
      if (cache.has(query)) { render(query, cache.get(query)); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      var url = endpoint + "?final=0&limit=5&lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(query);
      fetch(url, { signal: controller.signal, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : { results: [] }; })
        .then(function (data) {
          var results = data.results || [];
          if (cache.size > 100) cache.clear();
          cache.set(query, results);
          if (input.value.trim() === query) render(query, results);
        })
        .catch(function () { /* aborted or offline: keep what is shown */ });
    }

    input.addEventListener("input", function () {
      var query = input.value.trim();
      input.setAttribute("data-typed-at", String(performance.now()));
      clearTimeout(timer);
      if (!query) { list.hidden = true; list.textContent = ""; return; }
      if (cache.has(query)) { render(query, cache.get(query)); return; }
      timer = setTimeout(function () { fetchSuggestions(query); }, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (ev) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) return;
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        active = (active + (ev.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
        items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
        input.setAttribute("aria-activedescendant", items[active].id);
      } else if (ev.key === "Enter" && active >= 0) {
        ev.preventDefault();
        items[active].querySelector("a").click();
      } else if (ev.key === "Escape") {
        list.hidden = true;
      }
    });

    document.addEventListener("click", function (ev) {
      if (ev.target !== input && !list.contains(ev.target)) list.hidden = true;
    });
  }

  function init() {
    document.querySelectorAll("input[data-help-suggest]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
