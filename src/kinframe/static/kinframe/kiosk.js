// The kiosk: a wall-mounted touch screen with no keyboard, shared by everyone in a unit.
// Everything here is an enhancement: without JavaScript the forms are plain inputs, the viewer's
// arrows are links, and the server still ends a session after KIOSK_IDLE_SECONDS.
(function () {
  "use strict";

  var signOutForm = document.getElementById("kiosk-sign-out");

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // --- On-screen pads ----------------------------------------------------------------------
  // Each typed field names its pad (data-pad="letters" or "digits"). Tapping a field chooses it;
  // the pad types into the chosen field; its Next key moves to the next field, and on the last
  // field the form's own button (below the pad) submits.
  function setUpPads(form) {
    var fields = Array.prototype.slice.call(form.querySelectorAll("input[data-pad]"));
    var pads = form.querySelectorAll("[data-pad-keys]");
    if (!fields.length || !pads.length) return;
    var active = null;

    function choose(field) {
      active = field;
      fields.forEach(function (f) {
        f.closest(".kiosk-field").classList.toggle("kiosk-field-active", f === field);
      });
      var last = fields.indexOf(field) === fields.length - 1;
      Array.prototype.forEach.call(pads, function (pad) {
        var mine = pad.getAttribute("data-pad-keys") === field.getAttribute("data-pad");
        pad.hidden = !mine;
        var enter = pad.querySelector("[data-key=enter]");
        if (mine && enter) enter.classList.toggle("kiosk-pad-last", last);
      });
      field.focus({ preventScroll: true });
    }

    fields.forEach(function (field) {
      field.setAttribute("inputmode", "none"); // the pad, not the system keyboard
      field.addEventListener("focus", function () { if (active !== field) choose(field); });
    });
    Array.prototype.forEach.call(pads, function (pad) {
      pad.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-key]");
        if (!button || !active) return;
        var key = button.getAttribute("data-key");
        if (key === "delete") {
          active.value = active.value.slice(0, -1);
        } else if (key === "enter") {
          var next = fields[fields.indexOf(active) + 1];
          if (next) choose(next);
          return;
        } else {
          var max = active.maxLength > 0 ? active.maxLength : 64;
          if (active.value.length < max) active.value += key;
        }
        active.dispatchEvent(new Event("input", { bubbles: true }));
        active.focus({ preventScroll: true });
      });
    });
    form.classList.add("kiosk-pads-on");
    // Start where there is something left to type (after a refused sign-in, the PIN).
    choose(fields.filter(function (f) { return !f.value; })[0] || fields[0]);
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.kiosk-padded"), setUpPads);

  if (!signOutForm) return; // nobody is signed in on this screen

  // --- Leaving no trace -----------------------------------------------------------------------
  // Pages replace each other in the history, so Back has nothing of the person to go to; what is
  // left (the page before sign-in's redirect) is no-store and the server sends it to sign-in.
  var leaving = false;
  function signOut(why) {
    if (leaving) return;
    leaving = true;
    document.body.classList.add("kiosk-leaving"); // blank at once, before the network answers
    var body = new FormData(signOutForm);
    body.append("why", why);
    var signedOut = signOutForm.getAttribute("data-signed-out");
    fetch(signOutForm.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
    }).catch(function () { /* the server ends the session by itself when idle */ })
      .then(function () { location.replace(signedOut); });
  }
  signOutForm.addEventListener("submit", function (event) {
    event.preventDefault();
    signOut("button");
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    var link = event.target.closest("a[href]");
    if (!link || link.target || link.origin !== location.origin) return;
    event.preventDefault();
    location.replace(link.href);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) location.reload(); // never show a page kept from before a sign-out
  });

  // --- Idle and session end ------------------------------------------------------------------
  var idleSeconds = parseInt(signOutForm.getAttribute("data-idle-seconds"), 10) || 300;
  var remaining = parseInt(signOutForm.getAttribute("data-session-remaining"), 10);
  // The session's absolute end (KIOSK_SESSION_MAX_SECONDS after sign-in): no tap pushes it back.
  if (remaining >= 0) setTimeout(function () { signOut("time"); }, remaining * 1000);
  var timer = null;
  function stillHere() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { signOut("idle"); }, idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, stillHere, { passive: true });
  });
  stillHere();

  // --- The full-screen viewer ----------------------------------------------------------------
  var viewer = document.querySelector(".kiosk-viewer");
  if (!viewer) return;
  var photo = viewer.querySelector(".kiosk-photo");
  var caption = viewer.querySelector(".kiosk-viewer-caption");
  var arrows = {
    newer: viewer.querySelector("[data-step=newer]"),
    older: viewer.querySelector("[data-step=older]"),
  };
  var ahead = {}; // fetched-ahead images, kept so the browser keeps them decoded

  function fetchAhead() {
    Object.keys(arrows).forEach(function (step) {
      var url = !arrows[step].hidden && arrows[step].getAttribute("data-ahead");
      if (url && !ahead[url]) {
        ahead[url] = new Image();
        ahead[url].src = url;
      }
    });
  }

  function point(arrow, next) {
    arrow.hidden = !next;
    if (!next) { arrow.removeAttribute("href"); return; }
    arrow.href = next.page;
    arrow.setAttribute("data-ahead", next.ahead);
    arrow.setAttribute("data-shown", next.shown);
    arrow.setAttribute("data-caption", next.caption);
  }

  function go(step) {
    var arrow = arrows[step];
    if (!arrow || arrow.hidden) {
      viewer.classList.remove("kiosk-viewer-end");
      void viewer.offsetWidth; // restart the "nothing more" nudge
      viewer.classList.add("kiosk-viewer-end");
      return;
    }
    var page = arrow.href;
    photo.src = arrow.getAttribute("data-ahead");
    caption.textContent = arrow.getAttribute("data-caption");
    history.replaceState(null, "", page);
    // Now it is on screen: record the view, and learn the photos on either side of it.
    fetch(arrow.getAttribute("data-shown"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (next) {
      point(arrows.newer, next.newer);
      point(arrows.older, next.older);
      fetchAhead();
    }).catch(function () { location.replace(page); }); // signed out, or gone: let the page say
  }

  Object.keys(arrows).forEach(function (step) {
    arrows[step].addEventListener("click", function (event) {
      event.preventDefault();
      go(step);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") go("older");
    else if (event.key === "ArrowLeft") go("newer");
    else if (event.key === "Escape") viewer.querySelector("[data-testid=photo-back]").click();
  });

  // Swipe: the photo follows the finger; far enough left shows the older photo, right the newer.
  var start = null;
  viewer.addEventListener("pointerdown", function (event) {
    if (event.target.closest("a, button")) return;
    start = { x: event.clientX, y: event.clientY, id: event.pointerId };
    viewer.setPointerCapture(event.pointerId);
  });
  viewer.addEventListener("pointermove", function (event) {
    if (!start || event.pointerId !== start.id) return;
    photo.style.transform = "translateX(" + (event.clientX - start.x) + "px)";
  });
  function release(event) {
    if (!start || event.pointerId !== start.id) return;
    var dx = event.clientX - start.x;
    var dy = event.clientY - start.y;
    start = null;
    photo.style.transform = "";
    if (event.type === "pointerup" && Math.abs(dx) > 60 && Math.abs(dx) > Math.abs(dy)) {
      go(dx < 0 ? "older" : "newer");
    }
  }
  viewer.addEventListener("pointerup", release);
  viewer.addEventListener("pointercancel", release);
  fetchAhead();
})();
