// dockwise HTML report: sorting and filtering on top of tables rendered on the server.
// Without this script every table is still complete; it only adds interaction.
// A link can carry a view: #q=TEXT filters every table, #sort=TABLE:COLUMN:asc|desc sorts.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = !cell ? "" : cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort")
      : cell.textContent.trim();
    if (!numeric) { return raw.toLowerCase(); }
    var n = parseFloat(raw);
    return isNaN(n) ? -Infinity : n;
  }

  function sortTable(table, index, descending) {
    var header = table.tHead.rows[0].cells[index];
    if (!header) { return; }
    var numeric = header.getAttribute("data-type") === "num";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, i) {
      return { row: row, key: cellValue(row, index, numeric), order: i };
    });
    keyed.sort(function (a, b) {
      var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      if (c === 0) { return a.order - b.order; }
      return descending ? -c : c;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    each(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function applyFilters(table) {
    var input = document.querySelector('[data-filter="' + table.id + '"]');
    var select = document.querySelector('[data-severity-filter="' + table.id + '"]');
    var text = input ? input.value.trim().toLowerCase() : "";
    var minimum = select ? parseInt(select.value, 10) || 0 : 0;
    var shown = 0;
    var rows = table.tBodies[0].rows;
    each(rows, function (row) {
      var rank = parseInt(row.getAttribute("data-rank") || "0", 10);
      var match = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) && rank >= minimum;
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    var counter = document.querySelector('[data-shown="' + table.id + '"]');
    if (counter) { counter.textContent = shown + " of " + rows.length + " shown"; }
  }

  function makeSortable(table) {
    each(table.tHead.rows[0].cells, function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "th-sort";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () {
        sortTable(table, index, header.getAttribute("aria-sort") === "ascending");
      });
    });
  }

  function fromHash() {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq > 0) { params[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1)); }
    });
    return params;
  }

  function applyHash() {
    var params = fromHash();
    if (params.q !== undefined) {
      each(document.querySelectorAll("[data-filter]"), function (input) { input.value = params.q; });
    }
    each(document.querySelectorAll("table.sortable"), applyFilters);
    var sort = (params.sort || "").split(":");
    var table = sort[0] ? document.getElementById(sort[0]) : null;
    if (table && table.tHead) { sortTable(table, parseInt(sort[1], 10) || 0, sort[2] === "desc"); }
  }

  each(document.querySelectorAll("table.sortable"), function (table) {
    makeSortable(table);
    var controls = document.querySelectorAll('[data-filter="' + table.id + '"], ' +
      '[data-severity-filter="' + table.id + '"]');
    each(controls, function (control) {
      control.addEventListener("input", function () { applyFilters(table); });
    });
  });
  applyHash();
  window.addEventListener("hashchange", applyHash);
}());
