/* Live chat (chat/consumers.py): the conversation page for customers and agents, the
   start form's idempotency key, and the agents' queue list.

   Nothing typed is lost and nothing is doubled: every message gets a client key before it
   is sent and waits in localStorage until the server acknowledges it (stored, with its
   sequence number). After a reconnect the page asks for everything after the last
   sequence number it has shown, then resends what was not acknowledged; the server
   answers a resend with the stored message (same key), and the page shows each sequence
   number once. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) {
      return values[name] === undefined || values[name] === null ? "" : String(values[name]);
    });
  }

  function startForm() {
    const key = document.getElementById("chat-start-key");
    if (!key) return;
    // one key per page view: a double submit (or a resend after a timeout) starts one chat
    key.value = newKey();
  }

  function conversation() {
    const root = document.getElementById("chat");
    if (!root) return;
    const id = root.dataset.conversation;
    const role = root.dataset.role;
    const log = document.getElementById("chat-log");
    const statusEl = document.getElementById("chat-status");
    const connEl = document.getElementById("chat-conn");
    const typingEl = document.getElementById("chat-typing");
    const form = document.getElementById("chat-compose");
    const input = document.getElementById("chat-input");
    const storeKey = "madoguchi.chat.pending." + id;
    const shown = new Set();
    let lastSeq = 0;
    log.querySelectorAll("li[data-seq]").forEach(function (li) {
      const seq = Number(li.dataset.seq);
      shown.add(seq);
      lastSeq = Math.max(lastSeq, seq);
    });
    let pending = [];
    try { pending = JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { pending = []; }
    function savePending() {
      try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
      root.dataset.pending = String(pending.length);
    }
    let ws = null, retry = 0, timer = null, typingTimer = null, lastTyping = 0, ended = false;

    function scroll() { log.scrollTop = log.scrollHeight; }

    function bubble(m, mine) {
      const li = document.createElement("li");
      li.className = "from-" + m.sender + (mine ? " mine" : "");
      if (m.sender !== "system") {
        const who = document.createElement("span");
        who.className = "who";
        who.textContent = mine ? root.dataset.tYou : m.author;
        li.appendChild(who);
      }
      const b = document.createElement("span");
      b.className = "bubble";
      b.textContent = m.body;
      // files as the page renders them (chat/_log.html): a link under this side's file path
      (m.attachments || []).forEach(function (a) {
        b.appendChild(document.createElement("br"));
        const link = document.createElement("a");
        link.className = "chat-file";
        link.href = root.dataset.files + encodeURIComponent(a.token) + "/";
        link.setAttribute("download", "");
        link.textContent = a.name;
        b.appendChild(link);
      });
      li.appendChild(b);
      return li;
    }

    function showMessage(m) {
      if (shown.has(m.seq)) return;
      shown.add(m.seq);
      lastSeq = Math.max(lastSeq, m.seq);
      root.dataset.lastSeq = String(lastSeq);
      const mine = m.sender === role;
      let li = m.key ? log.querySelector('li.pending[data-key="' + CSS.escape(m.key) + '"]') : null;
      if (li) {
        li.classList.remove("pending");
        li.querySelector(".who").textContent = root.dataset.tYou;
      } else {
        li = bubble(m, mine);
        if (m.key) li.dataset.key = m.key;
        // keep the log in sequence order even when a batch arrives after live frames
        const after = Array.from(log.querySelectorAll("li[data-seq]")).find(function (x) { return Number(x.dataset.seq) > m.seq; });
        if (after) log.insertBefore(li, after); else log.appendChild(li);
      }
      li.dataset.seq = String(m.seq);
      if (m.sender !== role) typingEl.textContent = "";
      scroll();
    }

    function showPending(p) {
      if (log.querySelector('li[data-key="' + CSS.escape(p.key) + '"]')) return;
      const li = bubble({ sender: role, body: p.body, author: "" }, true);
      li.classList.add("pending");
      li.dataset.key = p.key;
      li.querySelector(".who").textContent = root.dataset.tSending;
      log.appendChild(li);
      scroll();
    }

    function showState(s) {
      root.dataset.status = s.status;
      if (s.status === "waiting") statusEl.textContent = fill(root.dataset.tWaiting, { position: s.position, minutes: s.expected_minutes });
      else if (s.status === "active") statusEl.textContent = fill(root.dataset.tActive, { agent: s.agent });
      else if (s.status === "converted") statusEl.textContent = root.dataset.tConverted;
      else statusEl.textContent = root.dataset.tEnded;
      if (s.status === "closed" || s.status === "converted") {
        ended = true;
        if (form) form.hidden = true;
        const end = document.getElementById("chat-end");
        if (end) end.hidden = true;
        if (s.inquiry_id && !document.getElementById("chat-inquiry-link") && role === "customer") {
          const p = document.createElement("p");
          const a = document.createElement("a");
          a.className = "btn btn-small";
          a.id = "chat-inquiry-link";
          a.href = "/support/inquiries/" + s.inquiry_id + "/";
          a.textContent = root.dataset.tConverted;
          p.appendChild(a);
          root.appendChild(p);
        }
      }
    }

    function flush() {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      pending.forEach(function (p) { ws.send(JSON.stringify({ type: "message", body: p.body, key: p.key })); });
    }

    function connect() {
      clearTimeout(timer);
      if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) return;
      if (!navigator.onLine) { connEl.textContent = root.dataset.tOffline; return; }
      ws = new WebSocket(wsUrl(root.dataset.ws));
      ws.addEventListener("open", function () {
        retry = 0;
        root.dataset.connected = "1";
        connEl.textContent = root.dataset.tOnline;
        ws.send(JSON.stringify({ type: "resume", after: lastSeq }));
      });
      ws.addEventListener("message", function (event) {
        let data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "messages") {
          data.messages.forEach(showMessage);
          flush();  // after the catch-up: what was stored already comes back as a duplicate ack
        } else if (data.type === "message") {
          showMessage(data.message);
        } else if (data.type === "ack") {
          pending = pending.filter(function (p) { return p.key !== data.key; });
          savePending();
        } else if (data.type === "state") {
          showState(data.state);
        } else if (data.type === "typing") {
          typingEl.textContent = root.dataset.tTyping;
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { typingEl.textContent = ""; }, 4000);
        } else if (data.type === "error") {
          // refused (too long, rate limited, chat ended): give the text back, never drop it
          const refused = pending.find(function (p) { return p.key === data.key; });
          pending = pending.filter(function (p) { return p.key !== data.key; });
          savePending();
          const li = data.key ? log.querySelector('li.pending[data-key="' + CSS.escape(data.key) + '"]') : null;
          if (li) li.remove();
          connEl.textContent = data.message;
          if (refused && input && !input.value) input.value = refused.body;
        }
      });
      ws.addEventListener("close", function (event) {
        root.dataset.connected = "0";
        if (event.code === 4404) { connEl.textContent = ""; return; }  // not (or no longer) visible
        if (ended && pending.length === 0) return;
        connEl.textContent = root.dataset.tOffline;
        retry = Math.min(retry + 1, 6);
        timer = setTimeout(connect, 250 * Math.pow(2, retry - 1));
      });
    }

    if (form && input) {
      const files = document.getElementById("chat-files");
      form.addEventListener("submit", function (event) {
        // files go with the form post (the page reloads on the stored chat); text by the socket
        if (files && files.files && files.files.length > 0) return;
        event.preventDefault();
        const body = input.value.trim();
        if (!body) return;
        const p = { key: newKey(), body: body };
        pending.push(p);
        savePending();
        showPending(p);
        input.value = "";
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "message", body: p.body, key: p.key }));
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) { event.preventDefault(); form.requestSubmit(); }
      });
      input.addEventListener("input", function () {
        const now = Date.now();
        if (ws && ws.readyState === WebSocket.OPEN && now - lastTyping > 2000) {
          lastTyping = now;
          ws.send(JSON.stringify({ type: "typing" }));
        }
      });
    }
    const canned = document.getElementById("chat-canned");
    if (canned && input) {
      canned.addEventListener("change", function () {
        const opt = canned.options[canned.selectedIndex];
        if (opt && opt.dataset.text) { input.value = opt.dataset.text; input.focus(); }
      });
    }
    // The browser says the network went away: close now (a half-open socket would swallow
    // messages) and keep them pending; reconnect as soon as it is back.
    window.addEventListener("offline", function () {
      connEl.textContent = root.dataset.tOffline;
      if (ws) { try { ws.close(); } catch (e) { /* already closed */ } }
    });
    window.addEventListener("online", function () { retry = 0; connect(); });
    pending.forEach(showPending);
    savePending();
    // the server-rendered status line is replaced by the live state on connect
    if (root.dataset.status !== "closed" && root.dataset.status !== "converted") connect();
    else showState({ status: root.dataset.status });
  }

  function staffQueue() {
    const box = document.getElementById("chat-queue");
    if (!box) return;
    let ws = null, retry = 0;
    async function refresh() {
      try {
        const r = await fetch(box.dataset.fragment, { credentials: "same-origin" });
        if (r.ok) { box.innerHTML = await r.text(); box.dataset.refreshedAt = String(Date.now()); }
      } catch (e) { /* offline: the next event refreshes */ }
    }
    function connect() {
      ws = new WebSocket(wsUrl(box.dataset.ws));
      ws.addEventListener("open", function () { retry = 0; box.dataset.connected = "1"; refresh(); });
      ws.addEventListener("message", function () { refresh(); });
      ws.addEventListener("close", function (event) {
        box.dataset.connected = "0";
        if (event.code === 4404) return;
        retry = Math.min(retry + 1, 6);
        setTimeout(connect, 250 * Math.pow(2, retry - 1));
      });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    startForm();
    conversation();
    staffQueue();
  });
})();
