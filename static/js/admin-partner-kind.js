// A partner's kind: only the kinds of the chosen sector are offered. A kind from another
// sector, chosen before the sector changed, is cleared. Without this script the kinds are
// grouped by sector and the server refuses a kind from another sector.
"use strict";
(function () {
  function narrow(sector, kind) {
    for (const option of kind.querySelectorAll("option[data-sector]")) {
      const other = Boolean(sector.value) && option.dataset.sector !== sector.value;
      option.hidden = other;
      option.disabled = other;
    }
    for (const group of kind.querySelectorAll("optgroup")) {
      group.hidden = !group.querySelector("option:not([hidden])");
    }
    if (kind.selectedOptions.length && kind.selectedOptions[0].disabled) {
      kind.value = "";
    }
  }
  function start() {
    const sector = document.getElementById("id_sector");
    const kind = document.getElementById("id_kind");
    if (!sector || !kind) return;
    narrow(sector, kind);
    sector.addEventListener("change", function () { narrow(sector, kind); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
