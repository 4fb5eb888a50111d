// Progressive enhancement only: every control also works as a plain GET form or link.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[role=search]").forEach(function (form) {
    // Leave empty fields out of the URL so permalinks stay short.
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (field.name && field.value === "") {
          field.disabled = true;
        }
      });
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) {
        select.form.requestSubmit();
      }
    });
  });
});
// Coming back through the history cache must not leave fields disabled.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[role=search] [disabled]").forEach(function (field) {
    field.disabled = false;
  });
});
