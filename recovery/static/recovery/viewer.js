// Staff image viewer: zoom and rotate without downloading the image elsewhere.
(function () {
  function init() {
    document.querySelectorAll(".viewer-block").forEach(function (block) {
      var img = block.querySelector("img[data-viewer]");
      if (!img) return;
      var scale = 1, angle = 0;
      function apply() { img.style.transform = "rotate(" + angle + "deg) scale(" + scale + ")"; img.dataset.scale = scale; img.dataset.angle = angle; }
      block.querySelectorAll("[data-zoom]").forEach(function (b) {
        b.addEventListener("click", function () { scale = Math.min(8, Math.max(0.25, scale * parseFloat(b.dataset.zoom))); apply(); });
      });
      block.querySelectorAll("[data-rotate]").forEach(function (b) {
        b.addEventListener("click", function () { angle = (angle + parseInt(b.dataset.rotate, 10)) % 360; apply(); });
      });
      block.querySelectorAll("[data-reset]").forEach(function (b) {
        b.addEventListener("click", function () { scale = 1; angle = 0; apply(); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
