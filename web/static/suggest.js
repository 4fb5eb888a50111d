// Search as you type: the ARIA 1.2 combobox pattern (an input with a listbox popup) over
// the plain search form, which keeps working without this script. Requests are debounced
// and a newer keystroke aborts the older request. "/" focuses the search box.
"use strict";
(function () {
  var DEBOUNCE_MS = 150;
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function Combobox(input) {
    counter += 1;
    this.input = input;
    this.form = input.form;
    this.id = input.id || "search-" + counter;
    this.url = input.getAttribute("data-suggest");
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.listbox = el("ul", { id: this.id + "-suggestions", role: "listbox", "aria-label": "Suggestions", class: "suggestions" });
    this.listbox.hidden = true;
    this.status = el("div", { role: "status", "aria-live": "polite", class: "visually-hidden" });
    var wrapper = el("div", { class: "combobox" });
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    wrapper.appendChild(this.listbox);
    wrapper.appendChild(this.status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.addEventListener("input", this.schedule.bind(this));
    input.addEventListener("keydown", this.keydown.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    // mousedown, not click: it comes before the input's blur would close the list
    this.listbox.addEventListener("mousedown", this.pick.bind(this));
  }

  Combobox.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.fetch(self.input.value); }, DEBOUNCE_MS);
  };

  Combobox.prototype.fetch = function (text) {
    var self = this;
    if (this.request) { this.request.abort(); } // a newer keystroke wins
    if (text.trim().length < 2) { this.close(); return; }
    var controller = new AbortController();
    this.request = controller;
    fetch(this.url + "?q=" + encodeURIComponent(text), { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (self.request === controller) { self.request = null; }
        if (body && self.input.value === text) { self.show(body); }
      })
      .catch(function () { /* aborted or offline: the plain form still works */ });
  };

  Combobox.prototype.show = function (body) {
    var self = this;
    this.listbox.textContent = "";
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    body.completions.forEach(function (c) {
      self.add({ kind: "query", value: c.query, label: c.query, detail: c.count + (c.count === 1 ? " article" : " articles") });
    });
    body.titles.forEach(function (t) {
      self.add({ kind: "article", value: t.url, label: t.title, detail: "Article", lang: t.lang });
    });
    if (!this.options.length) { this.close(); this.announce("No suggestions"); return; }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.announce(this.options.length + " suggestions. Use the up and down arrow keys to choose, Enter to go.");
  };

  Combobox.prototype.add = function (option) {
    var index = this.options.length;
    var item = el("li", { id: this.id + "-option-" + index, role: "option", "aria-selected": "false", class: "suggestion-" + option.kind, "data-index": String(index) });
    var label = el("span", { class: "suggestion-label" }, option.label);
    if (option.lang && option.lang !== "und") { label.setAttribute("lang", option.lang); }
    item.appendChild(label);
    item.appendChild(el("span", { class: "suggestion-detail" }, option.detail));
    this.listbox.appendChild(item);
    option.node = item;
    this.options.push(option);
  };

  Combobox.prototype.announce = function (text) {
    this.status.textContent = text;
  };

  Combobox.prototype.move = function (step) {
    if (!this.options.length) { return; }
    if (this.listbox.hidden) { this.listbox.hidden = false; this.input.setAttribute("aria-expanded", "true"); }
    if (this.active >= 0) { this.options[this.active].node.setAttribute("aria-selected", "false"); }
    var count = this.options.length;
    this.active = this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count;
    var node = this.options[this.active].node;
    node.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", node.id);
    node.scrollIntoView({ block: "nearest" });
  };

  Combobox.prototype.choose = function (option) {
    this.close();
    if (option.kind === "article") {
      window.location.assign(option.value);
      return;
    }
    this.input.value = option.value;
    if (this.form.requestSubmit) { this.form.requestSubmit(); } else { this.form.submit(); }
  };

  Combobox.prototype.keydown = function (event) {
    var open = !this.listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "Down") {
      event.preventDefault();
      this.move(1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      event.preventDefault();
      this.move(-1);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault();
      this.choose(this.options[this.active]);
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (open) { event.preventDefault(); this.close(); } else if (this.input.value) { this.input.value = ""; }
    }
  };

  Combobox.prototype.pick = function (event) {
    var item = event.target.closest("[role=option]");
    if (!item) { return; }
    event.preventDefault();
    this.choose(this.options[Number(item.getAttribute("data-index"))]);
  };

  Combobox.prototype.close = function () {
    window.clearTimeout(this.timer);
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  function typingSomewhere(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-suggest]"));
    boxes.forEach(function (input) { if (input.form && window.fetch) { new Combobox(input); } });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typingSomewhere(event.target)) { return; }
      if (boxes.length) {
        event.preventDefault();
        boxes[0].focus();
        boxes[0].select();
      }
    });
  });
})();
