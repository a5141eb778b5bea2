// Behaviour shared by every page. The Content-Security-Policy allows no inline
// script, so pages declare what they need with data-* attributes:
//   <select data-autosubmit>            submits its form when changed
//   <button data-confirm="Sure?">       asks before the form is sent
//   <button data-print>                 opens the print dialog
//   <div class="progress-bar" data-percent="40">  sets the bar's width
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
      else field.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var asking = event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  function applyWidths(root) {
    root = root || document;
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-percent]"));
    if (root.matches && root.matches("[data-percent]")) bars.push(root);
    bars.forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
      bar.style.width = value + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });
})();
