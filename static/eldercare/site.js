/* The site's tables: sortable by any column heading, long ones paged. No network, no framework.
   A table with class "sortable" has a button in each heading it sorts by (aria-sort says the order);
   a table with data-page-size shows that many rows a page, with the pager that names it
   (templates/_pager.html). Sorting sorts every row, then shows the first page. */
(function () {
  "use strict";

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

  function Pager(table) {
    this.table = table;
    this.size = parseInt(table.getAttribute("data-page-size"), 10) || 0;
    this.page = 1;
    this.box = document.querySelector('[data-pager-for="' + table.id + '"]');
    var self = this;
    if (this.box) {
      this.box.querySelector("[data-prev]").addEventListener("click", function () { self.show(self.page - 1); });
      this.box.querySelector("[data-next]").addEventListener("click", function () { self.show(self.page + 1); });
    }
  }

  Pager.prototype.rows = function () {
    return Array.prototype.filter.call(this.table.tBodies[0].rows, function (row) { return !row.hasAttribute("data-empty"); });
  };

  Pager.prototype.show = function (page) {
    var rows = this.rows();
    if (!this.size || rows.length <= this.size) {
      rows.forEach(function (row) { row.hidden = false; });
      if (this.box) this.box.hidden = true;
      return;
    }
    var pages = Math.ceil(rows.length / this.size);
    this.page = Math.min(Math.max(page, 1), pages);
    var first = (this.page - 1) * this.size;
    var last = Math.min(first + this.size, rows.length);
    rows.forEach(function (row, index) { row.hidden = index < first || index >= last; });
    if (this.box) {
      this.box.hidden = false;
      var template = this.box.getAttribute("data-template") || "{from}–{to} / {total}";
      this.box.querySelector("[data-status]").textContent = template
        .replace("{from}", first + 1).replace("{to}", last).replace("{total}", rows.length)
        .replace("{page}", this.page).replace("{pages}", pages);
      this.box.querySelector("[data-prev]").disabled = this.page === 1;
      this.box.querySelector("[data-next]").disabled = this.page === pages;
    }
  };

  function sortTable(table, index, type, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.filter.call(body.rows, function (row) { return !row.hasAttribute("data-empty"); });
    var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      var order = type === "number" ? x - y : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table, pager) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (heading, index) {
      var button = heading.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var ascending = heading.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        sortTable(table, index, heading.getAttribute("data-type") || "text", ascending);
        pager.show(1);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable, table[data-page-size]").forEach(function (table) {
      var pager = new Pager(table);
      if (table.classList.contains("sortable")) makeSortable(table, pager);
      pager.show(1);
    });
  });
})();
