// Keyboard navigation for lists of threads: j/k move, Enter opens, / jumps to search.
(function () {
  "use strict";
  function links() { return Array.prototype.slice.call(document.querySelectorAll(".threads .open")); }
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "j" || event.key === "k") {
      if (!all.length) { return; }
      var next = event.key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
      if (at === -1) { next = 0; }
      all[next].focus();
      event.preventDefault();
    } else if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { search.focus(); search.select(); event.preventDefault(); }
    }
  });
})();

// A saved reply's "Use" button puts its text in the draft box.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".use-saved") : null;
    if (!button) { return; }
    var box = document.getElementById(button.getAttribute("data-target"));
    if (!box) { return; }
    box.value = button.getAttribute("data-body");
    box.focus();
  });
})();
