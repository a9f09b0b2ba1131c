/* wallet: on the withdrawal form, offer only the saved addresses of the chosen currency
   and keep the preview (fee, amount received, yen value, limits) up to date as the amount
   is typed; the max button fills in the largest amount possible now;
   on wallet forms, a double click submits once (a second submit would reuse the one-time
   code and show a confusing "code not correct" although the first one went through). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
    var currency = document.querySelector("select[name=currency]");
    var address = document.querySelector("select[name=address_id]");
    if (!currency || !address) return;
    function filter() {
      var prefix = currency.value + " ·";
      var firstVisible = null;
      Array.prototype.forEach.call(address.options, function (option) {
        var match = option.text.indexOf(prefix) === 0;
        option.hidden = !match;
        option.disabled = !match;
        if (match && firstVisible === null) firstVisible = option;
      });
      if (address.selectedOptions.length && address.selectedOptions[0].disabled && firstVisible) {
        address.value = firstVisible.value;
      }
    }
    currency.addEventListener("change", filter);
    filter();

    // Live preview: the server renders the same panel as the no-JavaScript preview step
    // (wallet/_withdrawal_preview.html), so the figures can never differ from the page's.
    var form = document.querySelector("form[data-preview-url]");
    var panel = document.getElementById("withdraw-preview");
    var amount = form && form.querySelector("input[name=amount]");
    if (!form || !panel || !amount) return;
    var latest = 0;
    var timer = null;
    function refresh(value) {
      var params = new URLSearchParams({ currency: currency.value, amount: value, address_id: address.value || "" });
      var mine = ++latest;
      return fetch(form.getAttribute("data-preview-url") + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("preview " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (mine === latest) panel.innerHTML = html;
          return mine === latest;
        });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(amount.value.trim()).catch(function () {}); }, 250);
    }
    amount.addEventListener("input", later);
    currency.addEventListener("change", later);
    address.addEventListener("change", later);
    var maxButton = document.getElementById("withdraw-max");
    if (maxButton) {
      maxButton.addEventListener("click", function (event) {
        event.preventDefault();
        refresh("")
          .then(function () {
            var figures = panel.querySelector("[data-max]");
            var max = figures && figures.getAttribute("data-max");
            if (!max) return null;
            amount.value = max;
            return refresh(max);
          })
          .catch(function () { form.requestSubmit(maxButton); }); // the server fills it in
      });
    }
  });
})();
