// Home page: communities by type as a bar chart. The figures come from the
// page ({{ chart|json_script:"type-chart-data" }}), never from inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("type-chart");
    var data = document.getElementById("type-chart-data");
    if (!el || !data || !window.echarts) return;
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 10, right: 30, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.labels, inverse: true },
      // Plain-text tooltips: ECharts' HTML tooltips carry style="…" attributes,
      // which the Content-Security-Policy refuses.
      tooltip: { renderMode: "richText" },
      series: [{ type: "bar", data: d.values, itemStyle: { color: "#8c1d18" }, label: { show: true, position: "right" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
