/* Send page: previews, the running total, and an upload with a progress bar.
 *
 * Without this script the form still posts as plain multipart and the server answers with a page;
 * with it, the same form is sent by XMLHttpRequest (for upload progress) and the server answers
 * JSON: {ok, redirect} or {ok: false, message}.
 */
(function () {
  "use strict";
  var form = document.getElementById("send-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var previews = document.getElementById("send-previews");
  var total = document.getElementById("total-price");
  var count = document.getElementById("photo-count");
  var low = document.querySelector("[data-testid=low-balance]");
  var errorBox = document.getElementById("send-js-error");
  var progressBox = document.getElementById("send-progress");
  var progress = document.getElementById("upload-progress");
  var button = document.getElementById("send-button");
  var price = parseInt(form.dataset.price, 10) || 0;
  var balance = parseInt(form.dataset.balance, 10) || 0;
  var max = parseInt(form.dataset.max, 10) || 10;
  var objectUrls = [];

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function canPreview(file) {
    // Browsers other than Safari cannot show HEIC; show its name instead.
    return /^image\/(jpeg|png|gif|webp)$/.test(file.type);
  }

  function update() {
    objectUrls.forEach(URL.revokeObjectURL);
    objectUrls = [];
    previews.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    files.forEach(function (file) {
      var item = document.createElement("li");
      item.setAttribute("data-testid", "preview");
      if (canPreview(file)) {
        var img = document.createElement("img");
        var url = URL.createObjectURL(file);
        objectUrls.push(url);
        img.src = url;
        img.alt = file.name;
        img.className = "thumb";
        img.onerror = function () { img.replaceWith(placeholder(file)); };
        item.appendChild(img);
      } else {
        item.appendChild(placeholder(file));
      }
      var caption = document.createElement("span");
      caption.textContent = file.name;
      item.appendChild(caption);
      previews.appendChild(item);
    });
    var sum = files.length * price;
    total.textContent = String(sum);
    count.textContent = String(files.length);
    var tooLow = files.length ? sum > balance : balance < price;
    if (low) low.hidden = !tooLow;
    if (files.length > max) {
      showError("You can send at most " + max + " photos at once; you chose " + files.length + ".");
    } else {
      showError("");
    }
  }

  function placeholder(file) {
    var box = document.createElement("span");
    box.className = "thumb no-preview";
    box.textContent = file.name;
    return box;
  }

  function finish() {
    progressBox.hidden = true;
    button.disabled = false;
  }

  input.addEventListener("change", update);

  form.addEventListener("submit", function (event) {
    if (!window.FormData || !window.XMLHttpRequest) return; // plain post
    event.preventDefault();
    if (!input.files || !input.files.length) {
      showError("Choose at least one photo to send.");
      return;
    }
    showError("");
    button.disabled = true;
    progress.value = 0;
    progressBox.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (data && data.ok && data.redirect) {
        progress.value = 100;
        window.location.assign(data.redirect);
        return;
      }
      finish();
      if (data && data.message) {
        showError(data.message);
        if (xhr.status === 402 && low) low.hidden = false;
      } else {
        showError("The photos could not be sent (error " + xhr.status + "). Nothing was charged; please try again.");
      }
    });
    xhr.addEventListener("error", function () {
      finish();
      showError("The connection was lost while uploading. Nothing was charged; please try again.");
    });
    xhr.send(new FormData(form));
  });

  update();
})();
