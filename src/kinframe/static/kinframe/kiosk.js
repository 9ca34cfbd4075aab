// Kiosk idle sign-out: a shared screen must not keep showing someone's photos after they walk away.
// After KIOSK_IDLE_SECONDS without a touch, key or click, submit the sign-out form. The server also
// ends the session after the same time, so this only makes the screen forget sooner.
(function () {
  var script = document.getElementById("kiosk-idle");
  var form = document.getElementById("kiosk-sign-out");
  if (!script || !form) return;
  var seconds = parseInt(script.getAttribute("data-idle-seconds"), 10) || 300;
  // The session's absolute end (KIOSK_SESSION_MAX_SECONDS after sign-in): no tap pushes it back.
  var remaining = parseInt(script.getAttribute("data-session-remaining"), 10);
  if (remaining >= 0) setTimeout(function () { form.submit(); }, remaining * 1000);
  var timer = null;
  function reset() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { form.submit(); }, seconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
