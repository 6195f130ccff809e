// gugus review queue: keyboard shortcuts (s same, d different, u unsure,
// n next pair).  Not while typing in a field; never with Ctrl, Alt or Meta.
(function () {
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target) || !event.key || event.key.length !== 1) return;
    var control = document.querySelector('[data-review-key="' + event.key.toLowerCase() + '"]');
    if (!control) return;
    event.preventDefault();
    control.click();
  });
  // A refused judgement (an expired form, a pair no longer visible): say why
  // above the pair, from the error page the server answered; nothing moves.
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("pair-region");
    if (!region || !event.detail || event.detail.target !== region) return;
    var answer = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var reason = answer.querySelector("p.error");
    var note = document.getElementById("review-error");
    if (!note) {
      note = document.createElement("p");
      note.id = "review-error";
      note.className = "error";
      note.setAttribute("role", "alert");
      region.insertBefore(note, region.firstChild);
    }
    note.textContent = reason ? reason.textContent : event.detail.xhr.statusText;
  });
  // After htmx swapped in the next pair, put focus on its heading.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "pair-region") {
      var heading = document.getElementById("h-pair");
      if (heading) heading.focus();
    }
  });
})();
