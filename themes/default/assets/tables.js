// Deskbook data tables: sort by a column, filter rows, page through long results.
// Tables are complete without this script; it only adds controls.
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return "";
    var raw = cell.getAttribute("data-value");
    if (numeric) return raw === null ? Number.NEGATIVE_INFINITY : parseFloat(raw);
    return cell.textContent.trim();
  }
  function setUp(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var pageSize = parseInt(table.getAttribute("data-page-size"), 10) || 25;
    var page = 0, query = "";
    var tools = table.parentNode.querySelector(".table-tools");
    // "共 40 筆" counts the rows the filter leaves, and is read out as it changes.
    var count = tools && tools.querySelector(".row-count"), countText = count ? count.textContent : "";
    if (count) count.setAttribute("aria-live", "polite");
    var pager = document.createElement("div");
    pager.className = "table-pager";
    table.parentNode.appendChild(pager);
    if (tools) {
      var input = document.createElement("input");
      input.type = "search";
      input.setAttribute("aria-label", table.getAttribute("data-filter-label") || "Filter");
      input.placeholder = input.getAttribute("aria-label");
      input.addEventListener("input", function () { query = input.value.trim().toLowerCase(); page = 0; show(); });
      tools.insertBefore(input, tools.firstChild);
    }
    function matching() {
      if (!query) return rows;
      return rows.filter(function (row) { return row.textContent.toLowerCase().indexOf(query) >= 0; });
    }
    function show() {
      var visible = matching(), pages = Math.max(1, Math.ceil(visible.length / pageSize));
      if (count) count.textContent = query ? countText.replace(/\d[\d,]*/, String(visible.length)) : countText;
      if (page >= pages) page = pages - 1;
      rows.forEach(function (row) { row.hidden = true; });
      visible.forEach(function (row, i) { row.hidden = i < page * pageSize || i >= (page + 1) * pageSize; });
      pager.textContent = "";
      if (pages < 2) return;
      var previous = document.createElement("button"), next = document.createElement("button"), label = document.createElement("span");
      previous.type = next.type = "button";
      previous.textContent = "‹"; next.textContent = "›";
      previous.setAttribute("aria-label", "previous"); next.setAttribute("aria-label", "next");
      previous.disabled = page === 0; next.disabled = page === pages - 1;
      label.textContent = (page + 1) + " / " + pages;
      previous.addEventListener("click", function () { page--; show(); });
      next.addEventListener("click", function () { page++; show(); });
      pager.appendChild(previous); pager.appendChild(label); pager.appendChild(next);
    }
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows[0].cells : [], function (th, index) {
      var button = document.createElement("button"), numeric = th.getAttribute("data-type") === "number";
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.classList.add("sortable-th");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
          var order = numeric ? x - y : String(x).localeCompare(String(y), document.documentElement.lang);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        show();
      });
    });
    show();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setUp);
})();
