/* Support pages: help-article suggestions while typing, canned replies, collision warning. */
(function () {
  "use strict";

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Help articles while the customer describes the problem. Budget: on screen within 150 ms
  // of the last keystroke, debounce included (40 ms debounce, a few ms of search, in-flight
  // requests aborted, repeated text answered from a small cache). Links go to the real
  // article pages (/help/articles/<slug>/).
  const SUGGEST_DEBOUNCE_MS = 40;
  function suggestions() {
    const box = document.getElementById("suggestions");
    const area = document.querySelector("[data-suggest-url]");
    if (!box || !area) return;
    const pattern = area.dataset.articleUrl || "/help/articles/SLUG/";
    const cache = new Map();
    let timer = null, controller = null;
    function render(q, results) {
      const list = box.querySelector("ul");
      list.textContent = "";
      results.forEach(function (a) {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = pattern.replace("SLUG", encodeURIComponent(a.slug));
        link.textContent = a.title;
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
        list.appendChild(li);
      });
      box.hidden = results.length === 0;
      area.dataset.renderedAt = String(performance.now());
      area.dataset.renderedQuery = q;
    }
    area.addEventListener("input", function () {
      area.dataset.typedAt = String(performance.now());
      clearTimeout(timer);
      const q = area.value.trim().slice(0, 200);
      if (q.length < 2) { box.hidden = true; return; }
      if (cache.has(q)) { render(q, cache.get(q)); return; }
      timer = setTimeout(async function () {
        if (controller) controller.abort();
        controller = new AbortController();
        try {
          const r = await fetch(area.dataset.suggestUrl + "?q=" + encodeURIComponent(q),
            { credentials: "same-origin", signal: controller.signal, headers: { "Accept": "application/json" } });
          if (!r.ok) return;
          const data = await r.json();
          if (cache.size > 100) cache.clear();
          cache.set(q, data.results);
          if (area.value.trim().slice(0, 200) === q) render(q, data.results);
        } catch (e) { /* aborted by a newer keystroke, or offline: keep what is shown */ }
      }, SUGGEST_DEBOUNCE_MS);
    });
  }

  function canned() {
    const select = document.getElementById("canned");
    const body = document.getElementById("id_body");
    if (!select || !body) return;
    select.addEventListener("change", function () {
      const opt = select.options[select.selectedIndex];
      if (opt && opt.dataset.text) body.value = opt.dataset.text;
    });
  }

  function presence() {
    const box = document.getElementById("presence");
    if (!box) return;
    const body = document.getElementById("id_body");
    let mode = "viewing";
    async function beat() {
      const form = new FormData();
      form.append("mode", mode);
      try {
        const r = await fetch(box.dataset.url, { method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
        if (!r.ok) return;
        const data = await r.json();
        const text = document.getElementById("presence-text");
        const en = document.documentElement.lang === "en";
        text.textContent = data.others.map(function (o) {
          if (o.mode === "replying") return en ? o.name + " is replying to this inquiry." : o.name + " さんがこのお問い合わせに返信中です。";
          return en ? o.name + " is viewing this inquiry." : o.name + " さんがこのお問い合わせを表示しています。";
        }).join(" ");
        box.hidden = data.others.length === 0;
      } catch (e) { /* advisory only */ }
    }
    if (body) body.addEventListener("input", function () { if (mode !== "replying") { mode = "replying"; beat(); } });
    beat();
    setInterval(beat, 15000);
  }

  document.addEventListener("DOMContentLoaded", function () { suggestions(); canned(); presence(); });
})();
