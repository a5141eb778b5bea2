// Fast entry on a survey page. After a row is saved htmx focuses the fresh
// form's title (it carries autofocus); when the row was refused, the cursor
// goes to the end of the first field with an error instead, its text kept.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var form = document.getElementById("entry-form");
    if (!form) return;
    var target = form.querySelector("[aria-invalid=true]") || form.querySelector("input[name=title]");
    if (!target || document.activeElement === target && !target.matches("[aria-invalid=true]")) return;
    target.focus();
    if (target.type === "text" && typeof target.value === "string") {
      target.setSelectionRange(target.value.length, target.value.length);
    }
  });
})();
