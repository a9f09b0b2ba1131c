/* madoguchi: small progressive enhancements, no third-party code. */
(function () {
  "use strict";

  async function sha256Hex(text) {
    const data = new TextEncoder().encode(text);
    const digest = await crypto.subtle.digest("SHA-256", data);
    return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Self-hosted ALTCHA proof of work: find n with sha256(salt + n) == challenge.
  async function solveCaptcha(box) {
    const input = box.querySelector("input[type=hidden]");
    const status = box.querySelector(".captcha-status");
    status.textContent = status.dataset.working;
    try {
      const response = await fetch(box.dataset.challengeUrl, { credentials: "same-origin" });
      const c = await response.json();
      for (let n = 0; n <= c.maxnumber; n++) {
        if ((await sha256Hex(c.salt + n)) === c.challenge) {
          input.value = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt, signature: c.signature }));
          box.classList.add("done");
          status.textContent = status.dataset.done;
          box.dispatchEvent(new CustomEvent("captcha:solved", { bubbles: true }));
          return;
        }
      }
      throw new Error("unsolved");
    } catch (e) {
      box.classList.add("failed");
      status.textContent = status.dataset.failed;
    }
  }

  function capsLockHints() {
    document.querySelectorAll("input[data-capslock-hint]").forEach((field) => {
      const hint = document.createElement("div");
      hint.className = "capslock-hint";
      hint.setAttribute("role", "status");
      hint.textContent = document.documentElement.lang === "en" ? "Caps Lock is on." : "Caps Lock がオンになっています。";
      field.insertAdjacentElement("afterend", hint);
      const update = (event) => {
        if (event.getModifierState) hint.classList.toggle("on", event.getModifierState("CapsLock"));
      };
      field.addEventListener("keydown", update);
      field.addEventListener("keyup", update);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-captcha=altcha]").forEach(solveCaptcha);
    capsLockHints();
  });
  window.madoguchi = { sha256Hex: sha256Hex };
})();
