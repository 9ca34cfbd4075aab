/* Warn before paying: as soon as photos are chosen, ask the server which of them the facility is
 * likely to refuse (nothing is stored or charged), list them with the facility's rule, and offer
 * "Remove" for each. The sender may also tick "Send anyway"; the real send re-checks on the
 * server unless that box is ticked, so a send never skips the warning.
 */
// Its words come from the page (_send_warnings.html's data-msg-*), in the reader's language.
(function () {
  "use strict";
  var box = document.getElementById("send-warnings");
  var form = document.getElementById("send-form");
  if (!box || !form) return;
  var input = form.querySelector("input[type=file]");
  var list = document.getElementById("send-warning-list");
  var anyway = document.getElementById("send-anyway");
  var pending = null;

  function csrf() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function removeFile(name) {
    if (!window.DataTransfer) return;
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) {
      if (file.name !== name) kept.items.add(file);
    });
    input.files = kept.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(warnings) {
    list.textContent = "";
    var stale = box.querySelector("[data-testid=send-warning-rechoose]");
    if (stale) stale.remove();
    warnings.forEach(function (w) {
      var item = document.createElement("li");
      item.setAttribute("data-testid", "send-warning");
      item.setAttribute("data-kind", w.kind);
      var name = document.createElement("strong");
      name.textContent = w.filename;
      item.appendChild(name);
      item.appendChild(document.createTextNode(": " + w.label + "."));
      if (w.rule) item.appendChild(document.createTextNode(" " + (box.getAttribute("data-msg-rule") || "").replace("{rule}", function () { return w.rule; })));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button small secondary";
      remove.textContent = box.getAttribute("data-msg-remove") || "";
      remove.setAttribute("data-testid", "send-warning-remove");
      remove.addEventListener("click", function () { removeFile(w.filename); });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(remove);
      list.appendChild(item);
    });
    box.hidden = warnings.length === 0;
    if (!warnings.length && anyway) anyway.checked = false;
  }

  function check() {
    if (pending) pending.abort();
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || !window.FormData || !window.XMLHttpRequest) { show([]); return; }
    var data = new FormData();
    files.forEach(function (file) { data.append("photos", file, file.name); });
    var xhr = new XMLHttpRequest();
    pending = xhr;
    xhr.open("POST", box.dataset.checkUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    box.setAttribute("aria-busy", "true");
    xhr.addEventListener("load", function () {
      box.removeAttribute("aria-busy");
      if (pending !== xhr) return;
      pending = null;
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      show(answer && answer.warnings ? answer.warnings : []);
    });
    xhr.send(data);
  }

  // After send.js has checked each file in the browser (type, size, pixels): a refused file is
  // never uploaded, not even to be checked, so nothing is asked of the server then.
  input.addEventListener("kinframe:checked", function (event) {
    if (event.detail && event.detail.refused) { show([]); return; }
    check();
  });
})();
