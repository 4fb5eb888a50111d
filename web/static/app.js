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
// Timeline brush: press on one bar and release on another to filter to the whole range.
// Without JavaScript (or from the keyboard) each bar is a link to its own period.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("svg.timeline-chart[data-base]").forEach(function (svg) {
    var bars = Array.prototype.slice.call(svg.querySelectorAll("[data-start]"));
    var first = null;
    var last = null;
    function barAt(event) {
      var found = null;
      var x = event.clientX;
      bars.forEach(function (bar) {
        var box = bar.getBoundingClientRect();
        if (x >= box.left && x <= box.right) {
          found = bar;
        }
      });
      return found;
    }
    function mark() {
      var a = bars.indexOf(first);
      var b = bars.indexOf(last);
      bars.forEach(function (bar, i) {
        bar.classList.toggle("brushed", first !== null && i >= Math.min(a, b) && i <= Math.max(a, b));
      });
    }
    svg.addEventListener("pointerdown", function (event) {
      first = last = barAt(event);
      if (first) {
        event.preventDefault();
        svg.setPointerCapture(event.pointerId);
        mark();
      }
    });
    svg.addEventListener("pointermove", function (event) {
      if (first) {
        last = barAt(event) || last;
        mark();
      }
    });
    svg.addEventListener("pointerup", function () {
      if (!first) {
        return;
      }
      var a = bars.indexOf(first);
      var b = bars.indexOf(last);
      first = last = null;
      if (a === b) {
        mark();
        return; // a plain click on one bar: its own link does the rest
      }
      var from = bars[Math.min(a, b)].getAttribute("data-start");
      var to = bars[Math.max(a, b)].getAttribute("data-end");
      var base = svg.getAttribute("data-base");
      window.location.assign(base + (base.length > 1 ? "&" : "") + "from=" + from + "&to=" + to);
    });
  });
});
// Coming back through the history cache must not leave fields disabled.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[role=search] [disabled]").forEach(function (field) {
    field.disabled = false;
  });
});
