/* Support pages: help-article suggestions while typing, canned replies, collision warning. */
(function () {
  "use strict";

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function suggestions() {
    const box = document.getElementById("suggestions");
    const area = document.querySelector("[data-suggest-url]");
    if (!box || !area) return;
    let timer = null;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(async function () {
        const q = area.value.trim().slice(0, 200);
        if (q.length < 2) { box.hidden = true; return; }
        const r = await fetch(area.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" });
        if (!r.ok) return;
        const data = await r.json();
        const list = box.querySelector("ul");
        list.textContent = "";
        data.results.forEach(function (a) {
          const li = document.createElement("li");
          const link = document.createElement("a");
          link.href = "/help/" + encodeURIComponent(a.slug) + "/";
          link.textContent = a.title;
          link.target = "_blank";
          li.appendChild(link);
          list.appendChild(li);
        });
        box.hidden = data.results.length === 0;
      }, 350);
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
