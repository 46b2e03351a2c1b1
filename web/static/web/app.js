// banli: charts drawn from JSON the page carries (no inline scripts), on first load and after htmx swaps.
(function () {
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      // the height comes as data (the Content-Security-Policy refuses style="" attributes)
      if (el.dataset.height) el.style.height = el.dataset.height + "px";
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:load", function (e) { drawCharts(e.target); });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
// The navigation's menus (<details class="nav-dropdown">) open and close without scripts; with them, a click
// elsewhere or Escape closes an open one (Escape gives the focus back to its summary), and opening one closes
// the other.
(function () {
  function openMenus() { return document.querySelectorAll("details.nav-dropdown[open]"); }
  document.addEventListener("click", function (e) {
    openMenus().forEach(function (d) { if (!d.contains(e.target)) d.open = false; });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    openMenus().forEach(function (d) {
      var inside = d.contains(document.activeElement);
      d.open = false;
      if (inside) d.querySelector("summary").focus();
    });
  });
})();
