// Instant ID-selfie pre-check: posts the chosen photo to the API (nothing is stored) and
// shows what to fix, in the page language. The customer may still submit.
(function () {
  function init() {
    var input = document.querySelector("input[type=file][name=image]");
    var box = document.getElementById("precheck");
    var dataEl = document.getElementById("precheck-messages");
    if (!input || !box || !dataEl) return;
    var texts = JSON.parse(dataEl.textContent);
    input.addEventListener("change", function () {
      if (!input.files || !input.files[0]) return;
      var body = new FormData();
      body.append("image", input.files[0]);
      box.hidden = false;
      box.className = "notice";
      box.textContent = box.dataset.checking || "…";
      fetch("/api/v1/recovery/id-selfie-check", { method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept-Language": document.documentElement.lang || "ja" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          box.innerHTML = "";
          var problems = data.problems || [];
          box.dataset.problems = problems.join(",");
          if (!problems.length) { box.className = "notice ok"; box.textContent = "✓"; return; }
          box.className = "warning";
          var list = document.createElement("ul");
          problems.forEach(function (code) {
            var li = document.createElement("li");
            li.dataset.code = code;
            li.textContent = texts[code] || code;
            list.appendChild(li);
          });
          box.appendChild(list);
        })
        .catch(function () { box.hidden = true; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
