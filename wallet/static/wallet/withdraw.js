/* wallet: on the withdrawal form, offer only the saved addresses of the chosen currency;
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
  });
})();
