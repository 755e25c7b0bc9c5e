// leaktrace review: keyboard shortcuts. Every action is also a plain form; this only moves
// focus. j/k: next/previous shared fragment (in the queue: row, Enter opens it); n/p:
// next/previous content; c/x: confirm/dismiss the current content (focus its reason, Enter
// sends); Esc: leave a text field.
(function () {
  "use strict";
  var stops = [], copies = [], at = -1, copyAt = -1;

  function show(element) {
    element.scrollIntoView({ block: "center" });
    document.querySelectorAll(".current").forEach(function (e) { e.classList.remove("current"); });
    element.classList.add("current");
    if (element.tagName === "A") { element.focus(); }  // a queue row: Enter opens it
  }

  function step(list, index, delta) {
    if (!list.length) { return -1; }
    index = (index + delta + list.length) % list.length;
    show(list[index]);
    return index;
  }

  function currentCopy() {
    if (copyAt >= 0) { return copies[copyAt]; }
    if (at >= 0) { return stops[at].closest("[data-copy]"); }
    return copies[0] || null;
  }

  function decide(kind) {
    var copy = currentCopy();
    if (!copy) { return; }
    var form = copy.querySelector("form.decision");
    var reason = form.querySelector("input[name=reason]");
    form.dataset.action = kind;
    show(copy);
    reason.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    stops = Array.prototype.slice.call(document.querySelectorAll(".pane.candidate [data-stop]"));
    copies = Array.prototype.slice.call(document.querySelectorAll("[data-copy]"));
    if (!stops.length) {  // the queue: j/k move through its rows, Enter opens one
      stops = Array.prototype.slice.call(document.querySelectorAll("#queue a.target"));
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" ||
                   target.tagName === "TEXTAREA")) {
      if (event.key === "Escape") { target.blur(); }
      var form = target.form;
      if (event.key === "Enter" && form && form.dataset.action && target.name === "reason") {
        // Enter in a reason opened with c or x sends that decision, not the form's first button
        var button = form.querySelector("button[value=" + form.dataset.action + "]");
        if (button) { event.preventDefault(); form.requestSubmit(button); }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var handled = true;
    switch (event.key) {
      case "j": at = step(stops, at, 1); copyAt = -1; break;
      case "k": at = step(stops, at < 0 ? 0 : at, -1); copyAt = -1; break;
      case "n": copyAt = step(copies, copyAt, 1); at = -1; break;
      case "p": copyAt = step(copies, copyAt < 0 ? 0 : copyAt, -1); at = -1; break;
      case "c": decide("confirm"); break;
      case "x": decide("dismiss"); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
}());
