// The reference site's filter: shows the rows of #name-table that match every control.
// Each row carries what the filter needs as data attributes (written by `capi-compat docs`),
// so the page works without this script too (then every row shows).
"use strict";

(function () {
  const table = document.getElementById("name-table");
  const rows = Array.from(table.tBodies[0].rows);
  const control = (id) => document.getElementById(id);
  const text = control("filter-text");
  const layer = control("filter-layer");
  const kind = control("filter-kind");
  const area = control("filter-area");
  const status = control("filter-status");
  const version = control("filter-version");
  const counted = control("filter-counted");
  const shown = control("shown");

  function matches(row, needle) {
    const data = row.dataset;
    if (needle && !data.search.includes(needle)) return false;
    if (layer.value && data.layer !== layer.value) return false;
    if (kind.value && data.kind !== kind.value) return false;
    if (area.value && data.area !== area.value) return false;
    if (counted.checked && data.counted !== "true") return false;
    if (status.value && row.getAttribute("data-status-" + version.value) !== status.value) return false;
    return true;
  }

  function apply() {
    const needle = text.value.trim().toLowerCase();
    let count = 0;
    for (const row of rows) {
      const visible = matches(row, needle);
      row.hidden = !visible;
      if (visible) count += 1;
    }
    shown.value = count + " of " + rows.length + " names";
  }

  for (const element of [text, layer, kind, area, status, version, counted]) {
    element.addEventListener("input", apply);
    element.addEventListener("change", apply);
  }
  apply();
})();
