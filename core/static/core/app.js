/* madoguchi: small progressive enhancements, no third-party code. */
(function () {
  "use strict";

  async function sha256Hex(text) {
    const data = new TextEncoder().encode(text);
    const digest = await crypto.subtle.digest("SHA-256", data);
    return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The form's submit buttons wait for the proof of work (an empty captcha is refused).
  function holdSubmit(box, hold) {
    const form = box.closest("form");
    if (!form) return;
    form.dataset.captchaPending = hold ? "1" : "";
    form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach((button) => {
      button.disabled = hold;
      if (hold) button.setAttribute("aria-describedby", "captcha-status");
    });
    if (!form.dataset.captchaGuard) {
      form.dataset.captchaGuard = "1";
      form.addEventListener("submit", (event) => {
        if (form.dataset.captchaPending) event.preventDefault();
      });
    }
  }

  // Self-hosted ALTCHA proof of work: find n with sha256(salt + n) == challenge.
  async function solveCaptcha(box) {
    const input = box.querySelector("input[type=hidden]");
    const status = box.querySelector(".captcha-status");
    status.id = status.id || "captcha-status";
    status.textContent = status.dataset.working;
    holdSubmit(box, true);
    try {
      const response = await fetch(box.dataset.challengeUrl, { credentials: "same-origin" });
      const c = await response.json();
      for (let n = 0; n <= c.maxnumber; n++) {
        if ((await sha256Hex(c.salt + n)) === c.challenge) {
          input.value = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt, signature: c.signature }));
          box.classList.add("done");
          status.textContent = status.dataset.done;
          holdSubmit(box, false);
          box.dispatchEvent(new CustomEvent("captcha:solved", { bubbles: true }));
          return;
        }
      }
      throw new Error("unsolved");
    } catch (e) {
      box.classList.add("failed");
      status.textContent = status.dataset.failed;
      // Let the form go: the server answers with the translated advice.
      holdSubmit(box, false);
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
