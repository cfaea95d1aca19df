/* Fulfillment dashboards: ECharts charts drawn from the JSON the page carries (tables sort and page
   through static/eldercare/site.js). No network: ECharts is vendored next to this file. Every chart
   has a data table beside it. */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var language = (document.body.getAttribute("data-language") || "zh-hans").toLowerCase();
  var locale = language.indexOf("zh") === 0 ? "ZH" : "EN";
  var charts = [];
  var grid = { left: 48, right: 24, top: 48, bottom: 40, containLabel: true };

  var builders = {
    /* Nationally one pair of bars per province, on a province's page one pair per pilot area. */
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
    /* The cycle only, from its first to its last day: the person-times reached by each day (a line
       with a point a day) against the straight line to the target; a marker on the day shown. */
    progress: function (data) {
      var points = data.series.map(function (p) { return [p.day, p.person_times]; });
      var inCycle = data.cycle_start && data.cycle_end && data.as_of >= data.cycle_start && data.as_of <= data.cycle_end;
      var reached = {
        name: data.labels.reached, type: "line", data: points, z: 3,
        showSymbol: true, symbol: "circle", symbolSize: points.length > 120 ? 4 : 6,
        lineStyle: { width: 3 }, areaStyle: { opacity: 0.12 },
        endLabel: { show: points.length > 0, formatter: function (p) { return p.value[1]; }, fontWeight: "bold" }
      };
      if (inCycle) {
        reached.markLine = {
          symbol: "none", silent: true, lineStyle: { type: "dotted", color: "#52606d" },
          label: { formatter: data.labels.today + " " + data.as_of, position: "insideEndTop", color: "#52606d" },
          data: [{ xAxis: data.as_of }]
        };
      }
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        /* Room on the right for the last date label and the line's end label. */
        grid: { left: 56, right: 64, top: 48, bottom: 40, containLabel: true },
        xAxis: {
          type: "time", min: data.cycle_start || "dataMin", max: data.cycle_end || "dataMax",
          axisLabel: { hideOverlap: true, showMinLabel: true, showMaxLabel: true, formatter: "{yyyy}-{MM}-{dd}" }
        },
        yAxis: { type: "value", min: 0 },
        series: [
          reached,
          { name: data.labels.target, type: "line", showSymbol: true, symbol: "emptyCircle", symbolSize: 8,
            lineStyle: { type: "dashed" }, data: data.target.map(function (p) { return [p.day, p.value]; }) }
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

  document.addEventListener("DOMContentLoaded", drawCharts);
})();
