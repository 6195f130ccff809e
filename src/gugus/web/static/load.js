// gugus: the load page's upload progress (no inline scripts: strict CSP).
// While the file is being sent, the bar shows the bytes sent; once they are
// all sent, the page says the server is loading (it cannot know how far).
(function () {
  function parts() {
    return {
      box: document.getElementById("load-progress"),
      bar: document.getElementById("load-progress-bar"),
      text: document.getElementById("load-progress-text"),
    };
  }
  function isLoadForm(event) {
    return event.target && event.target.id === "load-form";
  }
  document.addEventListener("htmx:beforeSend", function (event) {
    if (!isLoadForm(event)) return;
    var p = parts();
    event.target.dataset.phase = "sending";
    p.box.hidden = false;
    p.bar.value = 0;
    p.text.textContent = event.target.dataset.sending + " 0 %";
  });
  // htmx reports the upload's and then the answer's progress under one name:
  // only the first (sending) phase is shown as a share.
  document.addEventListener("htmx:xhr:progress", function (event) {
    if (!isLoadForm(event) || event.target.dataset.phase !== "sending") return;
    var p = parts();
    if (!event.detail.lengthComputable || !event.detail.total) return;
    var percent = Math.floor((100 * event.detail.loaded) / event.detail.total);
    if (event.detail.loaded >= event.detail.total) {
      event.target.dataset.phase = "loading";
      p.bar.removeAttribute("value"); // indeterminate: the server is loading
      p.text.textContent = event.target.dataset.loading;
      return;
    }
    p.bar.value = percent;
    p.text.textContent = event.target.dataset.sending + " " + percent + " %";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isLoadForm(event)) return;
    event.target.dataset.phase = "";
    parts().box.hidden = true;
  });
  // A refused load answers 400/403/404 with the page's explanation: show it
  // (htmx fires beforeSwap on the target, the result region).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.target || event.target.id !== "load-result") return;
    var status = event.detail.xhr.status;
    var body = String(event.detail.serverResponse || "").trimStart().slice(0, 9).toLowerCase();
    if (status >= 400 && status < 500 && body !== "<!doctype") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
