// Draft needs list: ▲/▼ move an item; the rank column is renumbered and the
// hidden "order" inputs travel with their rows, so saving keeps the new order.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var up = event.target.closest(".move-up");
    var down = event.target.closest(".move-down");
    if (!up && !down) return;
    var row = event.target.closest("tr");
    if (up && row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
    if (down && row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row);
    var rows = document.querySelectorAll("#list-items tr");
    Array.prototype.forEach.call(rows, function (tr, i) {
      tr.firstElementChild.firstChild.nodeValue = String(i + 1);
    });
  });
})();
