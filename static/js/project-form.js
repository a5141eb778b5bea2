// Project form: "use this resource" in the suggestions ticks the resource below.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-use-resource]");
    if (!pick) return;
    var box = document.getElementById("resource-" + pick.getAttribute("data-use-resource"));
    if (!box) return;
    box.checked = true;
    box.closest("tr").classList.add("table-success");
    box.scrollIntoView({ block: "center" });
  });
})();
