// Instant ID-selfie pre-check: posts the chosen photo to the API (nothing is stored) and
// shows what to fix, in the page language. The customer may still submit.
// Three outcomes, never confused: problems (warning list), no problems (a sentence, not a
// bare tick), and the check itself failing (HTTP error such as 429, network) shown as an error.
(function () {
  function init() {
    var input = document.querySelector("input[type=file][name=image]");
    var box = document.getElementById("precheck");
    var dataEl = document.getElementById("precheck-messages");
    if (!input || !box || !dataEl) return;
    var texts = JSON.parse(dataEl.textContent);

    // Camera or gallery: the form's own input opens the gallery/file chooser (which on
    // phones also offers the camera); this button opens the camera directly.
    var cameraButton = document.getElementById("camera-button");
    var cameraInput = document.getElementById("camera-input");
    if (cameraButton && cameraInput && typeof DataTransfer === "function") {
      cameraButton.hidden = false;
      cameraInput.addEventListener("change", function () {
        if (!cameraInput.files || !cameraInput.files[0]) return;
        var transfer = new DataTransfer();
        transfer.items.add(cameraInput.files[0]);
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function show(state, text) {
      box.hidden = false;
      box.dataset.state = state;
      box.className = state === "error" ? "notice error" : state === "problems" ? "warning" : "notice" + (state === "ok" ? " ok" : "");
      box.setAttribute("role", state === "error" ? "alert" : "status");
      box.textContent = text || "";
    }

    input.addEventListener("change", function () {
      if (!input.files || !input.files[0]) return;
      var body = new FormData();
      body.append("image", input.files[0]);
      delete box.dataset.problems;
      show("checking", box.dataset.checking || "…");
      fetch("/api/v1/recovery/id-selfie-check", { method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept-Language": document.documentElement.lang || "ja" } })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
        })
        .then(function (res) {
          if (!res.ok || !Array.isArray(res.data.problems)) {
            var message = (res.data && res.data.error && res.data.error.message) || "";
            show("error", (box.dataset.failed || "") + (message ? " (" + message + ")" : ""));
            box.dataset.errorStatus = String(res.status);
            return;
          }
          var problems = res.data.problems;
          box.dataset.problems = problems.join(",");
          if (!problems.length) { show("ok", "✓ " + (box.dataset.ok || "")); return; }
          show("problems", "");
          var list = document.createElement("ul");
          problems.forEach(function (code) {
            var li = document.createElement("li");
            li.dataset.code = code;
            li.textContent = texts[code] || code;
            list.appendChild(li);
          });
          box.appendChild(list);
        })
        .catch(function () { show("error", box.dataset.failed || ""); box.dataset.errorStatus = "network"; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
