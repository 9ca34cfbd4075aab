/* Send page: checks before upload, previews, the running total, and an upload with a progress bar.
 *
 * Without this script the form still posts as plain multipart and the server answers with a page;
 * with it, the same form is sent by XMLHttpRequest (for upload progress) and the server answers
 * JSON: {ok, redirect} or {ok: false, message}.
 *
 * Each chosen file is checked here first, so a family on a phone learns at once, not after a minute
 * of upload, that a file cannot be sent: its type by its first bytes (never its name), its size
 * against the server's limit, and its pixel count from the header where we can read it (JPEG, PNG,
 * GIF, WebP). The server still checks everything; these are the same rules, said sooner.
 */
(function () {
  "use strict";
  var form = document.getElementById("send-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var previews = document.getElementById("send-previews");
  var total = document.getElementById("total-price");
  var count = document.getElementById("photo-count");
  var countWord = document.getElementById("photo-word");
  var low = document.querySelector("[data-testid=low-balance]");
  var errorBox = document.getElementById("send-js-error");
  var progressBox = document.getElementById("send-progress");
  var progress = document.getElementById("upload-progress");
  var button = document.getElementById("send-button");
  var price = parseInt(form.dataset.price, 10) || 0;
  var balance = parseInt(form.dataset.balance, 10) || 0;
  var max = parseInt(form.dataset.max, 10) || 10;
  var maxBytes = parseInt(form.dataset.maxBytes, 10) || 25 * 1024 * 1024;
  var maxPixels = parseInt(form.dataset.maxPixels, 10) || 100000000;
  var formats = form.dataset.formats || "";
  var HEAD_BYTES = 512 * 1024; // enough for a JPEG's EXIF and ICC segments before its frame header
  var objectUrls = [];
  var checking = Promise.resolve([]); // the refusals for the files currently chosen
  var generation = 0;

  // Every sentence comes from the page (send.html's data-msg-*), in the reader's language; this
  // script only fills in the {name} placeholders.
  function say(name, values) {
    var text = form.getAttribute("data-msg-" + name) || "";
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function megabytes(bytes) {
    var mb = bytes / (1024 * 1024);
    return (mb >= 10 || mb === Math.round(mb) ? mb.toFixed(0) : mb.toFixed(1)) + " MB";
  }

  function humanSize(bytes) {
    return bytes < 1024 * 1024 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : megabytes(bytes);
  }

  function readHead(file) {
    var blob = file.slice(0, HEAD_BYTES);
    if (blob.arrayBuffer) return blob.arrayBuffer().then(function (b) { return new Uint8Array(b); });
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(new Uint8Array(reader.result)); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  }

  function ascii(b, start, end) {
    return String.fromCharCode.apply(null, Array.prototype.slice.call(b, start, end));
  }

  // The same allowlist as the server's probe (kinframe.photos.imaging._sniff).
  function sniff(b) {
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
    if (ascii(b, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
    if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "webp";
    if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return "gif";
    if (b.length >= 16 && ascii(b, 4, 8) === "ftyp") {
      var size = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      var brands = [ascii(b, 8, 12)];
      for (var i = 16; i + 4 <= Math.min(size, b.length, 4096); i += 4) brands.push(ascii(b, i, i + 4));
      var has = function (list) { return brands.some(function (x) { return list.indexOf(x) >= 0; }); };
      if (has(["heic", "heix", "heim", "heis", "hevc", "hevx"])) return "heif";
      if (has(["mif1", "msf1"]) && !has(["avif", "avis"])) return "heif";
    }
    return null;
  }

  function u16be(b, i) { return (b[i] << 8) | b[i + 1]; }
  function u16le(b, i) { return b[i] | (b[i + 1] << 8); }
  function u32be(b, i) { return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0; }

  // Width and height from the header, or null where it is not in the bytes read (the server decides).
  function dimensions(fmt, b) {
    if (fmt === "png" && b.length >= 24) return [u32be(b, 16), u32be(b, 20)];
    if (fmt === "gif" && b.length >= 10) return [u16le(b, 6), u16le(b, 8)];
    if (fmt === "webp" && b.length >= 30) {
      var chunk = ascii(b, 12, 16);
      if (chunk === "VP8X") return [(b[24] | (b[25] << 8) | (b[26] << 16)) + 1, (b[27] | (b[28] << 8) | (b[29] << 16)) + 1];
      if (chunk === "VP8 ") return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
      if (chunk === "VP8L") {
        var bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
        return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
      }
    }
    if (fmt === "jpeg") {
      var i = 2;
      while (i + 9 < b.length) {
        if (b[i] !== 0xff) { i++; continue; }
        var marker = b[i + 1];
        if (marker === 0xff) { i++; continue; }
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
        if (marker === 0xd9 || marker === 0xda) return null;
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return [u16be(b, i + 7), u16be(b, i + 5)];
        }
        i += 2 + u16be(b, i + 2);
      }
    }
    return null;
  }

  // Resolves to {format, refusal}: refusal is the sentence to show, or "" when the file may go.
  function check(file) {
    var limit = { formats: formats, limit: megabytes(maxBytes) };
    var notAPhoto = say("not-a-photo", limit);
    if (file.size === 0) return Promise.resolve({ format: null, refusal: say("empty", limit) });
    if (file.size > maxBytes) {
      return Promise.resolve({
        format: null,
        refusal: say("too-large", { formats: formats, limit: megabytes(maxBytes), size: megabytes(file.size) }),
      });
    }
    return readHead(file).then(function (head) {
      var fmt = sniff(head);
      if (!fmt) return { format: null, refusal: notAPhoto };
      var size = dimensions(fmt, head);
      if (size && size[0] * size[1] > maxPixels) {
        return {
          format: fmt,
          refusal: say("too-many-pixels", { width: size[0], height: size[1], megapixels: maxPixels / 1000000 }),
        };
      }
      return { format: fmt, refusal: "" };
    }, function () {
      return { format: null, refusal: say("unreadable") };
    });
  }

  function placeholder(file, format) {
    var box = document.createElement("span");
    box.className = "thumb no-preview";
    box.setAttribute("data-testid", "no-preview");
    var badge = document.createElement("strong");
    badge.textContent = format === "heif" ? say("heic") : say("no-preview");
    var note = document.createElement("small");
    note.textContent = format === "heif" ? say("heic-note") : "";
    box.appendChild(badge);
    if (note.textContent) box.appendChild(note);
    return box;
  }

  function caption(file) {
    var text = document.createElement("span");
    text.className = "preview-caption";
    text.textContent = file.name + " · " + humanSize(file.size);
    return text;
  }

  function preview(file, result) {
    var item = document.createElement("li");
    item.setAttribute("data-testid", "preview");
    if (result.refusal) {
      item.className = "refused";
      var box = document.createElement("span");
      box.className = "thumb no-preview";
      box.textContent = say("refused");
      item.appendChild(box);
    } else if (result.format === "heif" || !result.format) {
      item.appendChild(placeholder(file, result.format)); // Chromium and Firefox cannot show HEIC
    } else {
      var img = document.createElement("img");
      var url = URL.createObjectURL(file);
      objectUrls.push(url);
      img.src = url;
      img.alt = file.name;
      img.className = "thumb";
      img.onerror = function () { img.replaceWith(placeholder(file, result.format)); };
      item.appendChild(img);
    }
    item.appendChild(caption(file));
    return item;
  }

  function refusalText(refused) {
    var lines = refused.map(function (r) { return r.name + ": " + r.refusal; });
    var again = refused.length === 1 ? say("again-one") : say("again-other");
    return lines.join("\n") + "\n" + again;
  }

  function update() {
    objectUrls.forEach(URL.revokeObjectURL);
    objectUrls = [];
    previews.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    var sum = files.length * price;
    total.textContent = String(sum);
    count.textContent = String(files.length);
    if (countWord) countWord.textContent = countWord.getAttribute(files.length === 1 ? "data-one" : "data-other") || "";
    var tooLow = files.length ? sum > balance : balance < price;
    if (low) low.hidden = !tooLow;
    showError(files.length > max ? say("too-many", { max: max, count: files.length }) : "");
    var mine = ++generation;
    checking = Promise.all(files.map(check)).then(function (results) {
      var refused = [];
      if (mine !== generation) return refused; // the sender chose again meanwhile
      results.forEach(function (result, i) {
        previews.appendChild(preview(files[i], result));
        if (result.refusal) refused.push({ name: files[i].name, refusal: result.refusal });
      });
      if (refused.length) showError(refusalText(refused));
      // send-warnings.js asks the server about these files only if none was refused here, so a
      // file too big or not a photo is never uploaded, not even to be checked.
      input.dispatchEvent(new CustomEvent("kinframe:checked", { detail: { refused: refused.length } }));
      return refused;
    });
  }

  function finish() {
    progressBox.hidden = true;
    button.disabled = false;
  }

  function upload() {
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
        showError(say("failed", { status: xhr.status }));
      }
    });
    xhr.addEventListener("error", function () {
      finish();
      showError(say("lost"));
    });
    xhr.send(new FormData(form));
  }

  input.addEventListener("change", update);

  form.addEventListener("submit", function (event) {
    if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return; // plain post
    event.preventDefault();
    if (!input.files || !input.files.length) {
      showError(say("choose"));
      return;
    }
    if (input.files.length > max) { update(); return; }
    button.disabled = true;
    checking.then(function (refused) {
      if (refused.length) {
        button.disabled = false;
        showError(refusalText(refused));
        return;
      }
      upload();
    });
  });

  update();
})();
