// The review page (one photo at a time, keyboard first) and the review grid. Kept in a static file
// because the Content Security Policy forbids inline script. The server holds each reviewer's
// photos (leases); this script renews them while they are on screen, hands them back on leaving,
// and guards against decisions on a photo nobody has looked at yet.
(function () {
  "use strict";

  var LOOK_MS = 400; // a photo must be on screen this long before it can be decided
  var IDLE_MS = 5 * 60 * 1000; // after this long without a key or a touch, hand the photos back

  // Every sentence the script shows comes from the page (data-msg-* on the desk's or the grid's
  // root, rendered in the reader's language); "{name}" placeholders are filled in here.
  function words(name, values) {
    var root = document.querySelector("[data-review-desk], [data-review-grid]");
    var text = (root && root.getAttribute("data-msg-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function post(url, data) {
    var body = new FormData();
    Object.keys(data || {}).forEach(function (key) { body.append(key, data[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, text: words("failed") };
      }).then(function (json) { json.status = response.status; return json; });
    }, function () {
      return { ok: false, text: words("offline") };
    });
  }

  function release(root) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf());
    if (navigator.sendBeacon) navigator.sendBeacon(root.dataset.releaseUrl, data);
  }

  function updateCounts(root, data) {
    function set(name, text) {
      var node = root.querySelector('[data-count="' + name + '"]');
      if (node) node.textContent = text;
    }
    set("waiting", data.waiting + (data.waiting_capped ? "+" : ""));
    set("mine", String(data.mine));
    set("oldest", data.oldest_label);
    set("target", words("target", { target: data.target_label }));
    var box = root.querySelector('[data-count-box="oldest"]');
    if (box) box.classList.toggle("over-target", !!data.over_target);
  }

  // ---------------------------------------------------------------- the one-at-a-time review page
  function Desk(root) {
    var slidesBox = root.querySelector("[data-slides]");
    var empty = root.querySelector("[data-empty]");
    var position = root.querySelector("[data-position]");
    var errorBox = root.querySelector("[data-error]");
    var toast = root.querySelector("[data-toast]");
    var toastText = root.querySelector("[data-toast-text]");
    var undoLeft = root.querySelector("[data-undo-left]");
    var undoSeconds = parseInt(root.dataset.undoSeconds, 10) || 10;
    var current = null;
    var shownAt = 0;
    var inFlight = {}; // photo id -> true while its decision is on its way
    var lastDecision = null; // {url, slide, until}
    var toppingUp = false;
    var lastInput = Date.now();
    var paused = false;

    function slides() { return Array.prototype.slice.call(slidesBox.querySelectorAll(".review-slide")); }

    function keepFocus() {
      var active = document.activeElement;
      if (!active || active === document.body || !document.contains(active)) {
        root.focus({ preventScroll: true });
      }
    }

    function say(text) { errorBox.textContent = text || ""; }

    function show(slide) {
      slides().forEach(function (each) { each.hidden = each !== slide; });
      if (current && current !== slide) unzoom(current);
      current = slide || null;
      shownAt = performance.now();
      empty.hidden = !!current;
      var list = slides();
      position.textContent = current
        ? words("position", { n: list.indexOf(current) + 1, total: list.length })
        : "";
      keepFocus();
      if (list.length < 2) topUp();
    }

    function showIndex(index) {
      var list = slides();
      if (!list.length) { show(null); return; }
      show(list[Math.max(0, Math.min(index, list.length - 1))]);
    }

    function topUp() {
      if (toppingUp || paused) return;
      toppingUp = true;
      var have = slides().map(function (s) { return s.dataset.photoId; }).concat(Object.keys(inFlight));
      fetch(root.dataset.stackUrl + "?have=" + encodeURIComponent(have.join(",")), {
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        Array.prototype.slice.call(holder.content.querySelectorAll(".review-slide")).forEach(function (slide) {
          if (!slidesBox.querySelector('[data-photo-id="' + slide.dataset.photoId + '"]')) slidesBox.appendChild(slide);
        });
        if (!current) showIndex(0);
        else show(current); // refresh the position line
      }).finally(function () { toppingUp = false; });
    }

    function looked() {
      if (performance.now() - shownAt >= LOOK_MS) return true;
      say(words("look-first"));
      return false;
    }

    function setUndo(decision) {
      lastDecision = decision;
      toast.hidden = false;
      toastText.textContent = decision.text;
      tickUndo();
    }

    function tickUndo() {
      if (!lastDecision) { toast.hidden = true; return; }
      var left = Math.ceil((lastDecision.until - Date.now()) / 1000);
      if (left <= 0) { lastDecision = null; toast.hidden = true; return; }
      undoLeft.textContent = words("seconds", { n: left });
    }
    window.setInterval(tickUndo, 250);

    function decide(reasonId) {
      var slide = current;
      if (!slide || paused) return;
      if (!looked()) return;
      say("");
      var id = slide.dataset.photoId;
      var url = reasonId ? slide.dataset.rejectUrl : slide.dataset.approveUrl;
      var index = slides().indexOf(slide);
      inFlight[id] = true;
      slide.remove(); // the next photo is painted now, not after the server answers
      current = null;
      showIndex(index);
      post(url, reasonId ? { reason: reasonId } : {}).then(function (result) {
        delete inFlight[id];
        if (result.ok) {
          setUndo({ url: result.undo_url, slide: slide, until: Date.now() + undoSeconds * 1000, text: result.text });
        } else {
          say(result.text);
          if (!result.gone) { // still ours (or a bad reason): put it back where it was
            var list = slides();
            slidesBox.insertBefore(slide, list[index] || null);
            show(slide);
          }
        }
      });
    }

    function undo() {
      var decision = lastDecision;
      if (!decision || Date.now() > decision.until) { say(words("no-undo")); return; }
      lastDecision = null;
      toast.hidden = true;
      post(decision.url).then(function (result) {
        if (!result.ok) { say(result.text); return; }
        say("");
        slidesBox.insertBefore(decision.slide, current);
        show(decision.slide);
        toast.hidden = false;
        toastText.textContent = result.text;
        undoLeft.textContent = "";
        window.setTimeout(function () { if (!lastDecision) toast.hidden = true; }, 3000);
      });
    }

    function step(by) {
      var list = slides();
      if (!list.length) return;
      var index = list.indexOf(current) + by;
      if (index < 0 || index >= list.length) {
        say(words(by > 0 ? "last" : "first"));
        if (by > 0) topUp();
        return;
      }
      say("");
      show(list[index]);
    }

    function unzoom(slide) {
      var stage = slide.querySelector(".review-stage");
      stage.classList.remove("zoomed");
      root.querySelector('[data-action="zoom"]').setAttribute("aria-pressed", "false");
    }

    function zoom(pointX, pointY) {
      if (!current) return;
      var stage = current.querySelector(".review-stage");
      var image = stage.querySelector("img");
      var on = !stage.classList.contains("zoomed");
      var box = image.getBoundingClientRect();
      var fx = pointX === undefined ? 0.5 : (pointX - box.left) / box.width;
      var fy = pointY === undefined ? 0.5 : (pointY - box.top) / box.height;
      stage.classList.toggle("zoomed", on);
      root.querySelector('[data-action="zoom"]').setAttribute("aria-pressed", on ? "true" : "false");
      if (on) {
        stage.scrollLeft = Math.max(0, image.naturalWidth * fx - stage.clientWidth / 2);
        stage.scrollTop = Math.max(0, image.naturalHeight * fy - stage.clientHeight / 2);
      }
    }

    function reasonButton(number) {
      return root.querySelectorAll('[data-action="reject"]')[number - 1] || null;
    }

    function act(action, button) {
      if (paused) { resume(); return; }
      if (action === "approve") decide(null);
      else if (action === "reject") decide(button.dataset.reason);
      else if (action === "undo") undo();
      else if (action === "next") step(1);
      else if (action === "previous") step(-1);
      else if (action === "zoom") zoom();
    }

    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (button) { act(button.dataset.action, button); return; }
      var image = event.target.closest(".review-stage img");
      if (image && !dragged) zoom(event.clientX, event.clientY);
    });

    // Panning a zoomed photo by dragging (mouse) or with a finger (native scrolling).
    var drag = null;
    var dragged = false;
    root.addEventListener("pointerdown", function (event) {
      var stage = event.target.closest(".review-stage.zoomed");
      dragged = false;
      if (!stage || event.pointerType !== "mouse") return;
      drag = { stage: stage, x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
    });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) dragged = true;
      drag.stage.scrollLeft = drag.left - dx;
      drag.stage.scrollTop = drag.top - dy;
    });
    window.addEventListener("pointerup", function () { drag = null; });

    document.addEventListener("keydown", function (event) {
      lastInput = Date.now();
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && target.closest && target.closest("input, select, textarea")) return;
      if (paused) { resume(); event.preventDefault(); return; }
      var key = event.key.toLowerCase();
      if (key === "a") decide(null);
      else if (/^[1-9]$/.test(key)) {
        var button = reasonButton(parseInt(key, 10));
        if (button) decide(button.dataset.reason);
        else say(words("no-reason", { key: key }));
      } else if (key === "u") undo();
      else if (key === "j" || key === "arrowright") step(1);
      else if (key === "k" || key === "arrowleft") step(-1);
      else if (key === "z") zoom();
      else return;
      event.preventDefault();
    });
    document.addEventListener("pointerdown", function () { lastInput = Date.now(); });

    function pause() {
      paused = true;
      release(root);
      slides().forEach(function (slide) { slide.remove(); });
      show(null);
      var strong = document.createElement("strong");
      strong.textContent = words("paused");
      empty.querySelector("p").replaceChildren(strong);
      empty.querySelector("p.muted").textContent = words("paused-detail");
    }

    function resume() {
      paused = false;
      lastInput = Date.now();
      window.location.reload();
    }

    function heartbeat() {
      if (paused || document.hidden) return;
      if (Date.now() - lastInput > IDLE_MS) { pause(); return; }
      post(root.dataset.heartbeatUrl).then(function (result) {
        if (result.held === undefined) return;
        var held = {};
        result.held.forEach(function (id) { held[id] = true; });
        slides().forEach(function (slide) {
          var id = slide.dataset.photoId;
          if (held[id] || inFlight[id]) return;
          var index = slides().indexOf(slide);
          var wasCurrent = slide === current;
          slide.remove();
          if (wasCurrent) { current = null; showIndex(index); }
        });
        updateCounts(root, result);
        if (slides().length < 2 && result.waiting > slides().length) topUp();
      });
    }
    window.setInterval(heartbeat, parseInt(root.dataset.heartbeatMs, 10) || 2000);
    window.addEventListener("pagehide", function () { release(root); });

    showIndex(0);
    root.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- the grid
  function Grid(root) {
    var guardUntil = performance.now() + LOOK_MS;
    var undoSeconds = parseInt(root.dataset.undoSeconds, 10) || 10;
    // A decision button clicked right after the cards moved (a double click lands on the card that
    // slid under the pointer) is ignored; the server refuses it too.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-decision")) return;
      if (performance.now() < guardUntil) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      guardUntil = performance.now() + LOOK_MS;
      var card = event.detail && event.detail.elt;
      var notices = root.querySelectorAll(".review-decided[data-undo-until-seconds]");
      Array.prototype.forEach.call(notices, function (notice) {
        if (notice.dataset.timer) return;
        notice.dataset.timer = "1";
        window.setTimeout(function () {
          var form = notice.querySelector("form");
          if (form) form.remove();
        }, undoSeconds * 1000);
      });
      if (card && !document.contains(document.activeElement)) root.focus({ preventScroll: true });
    });
    function heartbeat() {
      if (document.hidden) return;
      post(root.dataset.heartbeatUrl).then(function (result) {
        if (result.held === undefined) return;
        var held = {};
        result.held.forEach(function (id) { held[id] = true; });
        Array.prototype.forEach.call(root.querySelectorAll(".review-card[data-photo-id]"), function (card) {
          if (!held[card.dataset.photoId] && !card.classList.contains("htmx-request")) card.remove();
        });
        updateCounts(root, result);
      });
    }
    window.setInterval(heartbeat, parseInt(root.dataset.heartbeatMs, 10) || 2000);
    window.addEventListener("pagehide", function () { release(root); });
  }

  function start() {
    var desk = document.querySelector("[data-review-desk]");
    if (desk) Desk(desk);
    var grid = document.querySelector("[data-review-grid]");
    if (grid) Grid(grid);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
