/* Fulfillment dashboards: sortable tables and ECharts charts drawn from the JSON the page carries.
   No network: ECharts is vendored next to this file. Every chart has a data table beside it. */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /* --- Sortable tables: a button in each column heading; aria-sort says the order. --- */
  function cellValue(row, index, type) {
    var cell = row.children[index];
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? -Infinity : number;
    }
    return raw;
  }

  function sortTable(table, index, type, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      var order = type === "number" ? x - y : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (heading, index) {
      var button = heading.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var ascending = heading.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        sortTable(table, index, heading.getAttribute("data-type") || "text", ascending);
      });
    });
  }

  /* --- Charts --- */
  var language = (document.body.getAttribute("data-language") || "zh-hans").toLowerCase();
  var locale = language.indexOf("zh") === 0 ? "ZH" : "EN";
  var charts = [];
  var grid = { left: 48, right: 24, top: 48, bottom: 40, containLabel: true };

  var builders = {
    provinces: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "category", data: data.rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: data.rows.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        series: [
          { name: data.labels.person_times, type: "bar", data: data.rows.map(function (r) { return r.person_times; }) },
          { name: data.labels.beds, type: "bar", data: data.rows.map(function (r) { return r.beds; }) },
          { name: data.labels.expected, type: "line", symbol: "diamond", symbolSize: 10, lineStyle: { type: "dashed" },
            data: data.rows.map(function (r) { return r.expected; }) }
        ]
      };
    },
    progress: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "time" },
        yAxis: { type: "value" },
        series: [
          { name: data.labels.reached, type: "line", showSymbol: false, areaStyle: { opacity: 0.15 },
            data: data.series.map(function (p) { return [p.day, p.person_times]; }),
            markLine: { symbol: "none", label: { formatter: data.as_of }, data: [{ xAxis: data.as_of }] } },
          { name: data.labels.target, type: "line", showSymbol: false, lineStyle: { type: "dashed" },
            data: data.target.map(function (p) { return [p.day, p.value]; }) }
        ]
      };
    },
    bands: function (data) {
      return {
        tooltip: { trigger: "axis" },
        grid: grid,
        xAxis: { type: "category", data: data.map(function (b) { return b.label; }), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: data.map(function (b) { return b.value; }), label: { show: true, position: "top" } }]
      };
    },
    beds: function (data) {
      return {
        tooltip: { trigger: "item" },
        series: [{
          type: "funnel", sort: "none", left: "4%", width: "52%", top: 10, bottom: 10, minSize: "8%", gap: 2,
          label: { show: true, position: "right", formatter: "{b}: {c}", color: "#1f2933" },
          labelLine: { show: true },
          data: data.map(function (s) { return { name: s.label, value: s.value }; })
        }]
      };
    },
    funds: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.rows.map(function (r) { return r.name; }) },
        series: [
          { name: data.labels.allocated, type: "bar", data: data.rows.map(function (r) { return r.allocated; }) },
          { name: data.labels.disbursed, type: "bar", data: data.rows.map(function (r) { return r.disbursed; }) }
        ]
      };
    }
  };

  function drawCharts() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var name = node.getAttribute("data-chart");
      var data = readJSON("data-" + name);
      if (!data || !builders[name]) return;
      var chart = echarts.init(node, null, { locale: locale, renderer: "canvas" });
      chart.setOption(Object.assign({ animation: false, aria: { enabled: true } }, builders[name](data)));
      node.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    drawCharts();
  });
})();
