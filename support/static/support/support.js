/* Support pages: help-article suggestions while typing, macros, collision warning,
   keyboard shortcuts and live SLA countdowns in the staff console. */
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

  // A macro fills the reply text and presets the status and priority it will set; the
  // agent can still edit all three before sending (the server applies the same defaults
  // when JavaScript is off).
  function canned() {
    const select = document.getElementById("canned");
    const body = document.getElementById("id_body");
    if (!select || !body) return;
    const status = document.getElementById("reply-status");
    const priority = document.getElementById("reply-priority");
    select.addEventListener("change", function () {
      const opt = select.options[select.selectedIndex];
      if (!opt) return;
      if (opt.dataset.text) body.value = opt.dataset.text;
      if (status) status.value = opt.dataset.status || "";
      if (priority) priority.value = opt.dataset.priority || "";
    });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function shortcuts() {
    const reply = document.getElementById("staff-reply");
    const list = document.querySelector("[data-keyboard-list]");
    if (!reply && !list) return;
    let current = -1;
    function rows() { return list ? Array.from(list.querySelectorAll("tbody tr[data-reference]")) : []; }
    function select(i) {
      const all = rows();
      if (!all.length) return;
      current = Math.max(0, Math.min(all.length - 1, i));
      all.forEach(function (r, k) { r.classList.toggle("kb-current", k === current); });
      all[current].scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", function (ev) {
      const body = document.getElementById("id_body");
      if (reply && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target === body) {
        ev.preventDefault();
        reply.requestSubmit ? reply.requestSubmit() : reply.submit();
        return;
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
      const key = ev.key;
      if (reply) {
        if (key === "r" || key === "n") {
          ev.preventDefault();
          const radio = reply.querySelector("input[name=internal][value='" + (key === "n" ? "1" : "0") + "']");
          if (radio) radio.checked = true;
          body.focus();
        } else if (key === "m") { ev.preventDefault(); document.getElementById("canned").focus(); }
        else if (key === "s") { ev.preventDefault(); document.getElementById("set-status").focus(); }
        else if (key === "a") {
          ev.preventDefault();
          const who = document.getElementById("set-assignee");
          if (who) { who.value = "me"; who.form.requestSubmit ? who.form.requestSubmit() : who.form.submit(); }
        } else if (key === "u") { const back = document.getElementById("back-to-queue"); if (back) window.location = back.href; }
        else if (key === "?") { const help = document.getElementById("shortcuts"); if (help) { help.scrollIntoView(); help.focus(); } }
      }
      if (list) {
        if (key === "j") { ev.preventDefault(); select(current + 1); }
        else if (key === "k") { ev.preventDefault(); select(current - 1); }
        else if ((key === "o" || key === "Enter") && current >= 0) {
          const link = rows()[current].querySelector("a");
          if (link) window.location = link.href;
        } else if (key === "/") { ev.preventDefault(); const q = document.getElementById("f-q"); if (q) q.focus(); }
      }
    });
    const help = document.getElementById("shortcuts");
    if (help) help.tabIndex = -1;
  }

  // Live countdown: the server renders the state and text; this keeps the minutes current
  // and turns the badge amber under an hour and red once overdue, without a reload.
  function countdowns() {
    const badges = Array.from(document.querySelectorAll(".sla[data-due]"));
    if (!badges.length) return;
    const en = document.documentElement.lang === "en";
    function fmt(sec) {
      sec = Math.abs(Math.round(sec));
      const d = Math.floor(sec / 86400), h = Math.floor((sec % 86400) / 3600), m = Math.floor((sec % 3600) / 60);
      if (d) return en ? d + "d " + h + "h" : d + "日" + h + "時間";
      if (h) return en ? h + "h " + m + "min" : h + "時間" + m + "分";
      return en ? m + "min" : m + "分";
    }
    function tick() {
      const now = Date.now();
      badges.forEach(function (b) {
        if (b.dataset.slaState === "breached") return;
        const left = (Date.parse(b.dataset.due) - now) / 1000;
        const text = b.querySelector(".sla-text");
        if (text) text.textContent = left >= 0 ? (en ? fmt(left) + " left" : "残り" + fmt(left)) : (en ? fmt(left) + " overdue" : fmt(left) + "超過");
        if (left < 3600 && b.dataset.slaState === "ok") { b.dataset.slaState = "warning"; b.classList.remove("ok", "sla-ok"); b.classList.add("sla-warning"); }
      });
    }
    setInterval(tick, 30000);
  }

  // Leaving the security queue needs a reason: say so before the round trip.
  function moveReason() {
    const form = document.getElementById("move-form");
    if (!form || form.dataset.fromSecurity !== "1") return;
    const select = document.getElementById("set-queue");
    const reason = document.getElementById("move-reason");
    function sync() {
      const opt = select.options[select.selectedIndex];
      if (reason) reason.required = opt && opt.dataset.security !== "1";
    }
    select.addEventListener("change", sync);
    sync();
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

  document.addEventListener("DOMContentLoaded", function () {
    suggestions(); canned(); presence(); shortcuts(); countdowns(); moveReason();
  });
})();
