// Small behaviours shared by every page, kept out of the HTML so the Content Security Policy can
// forbid inline scripts and event handlers (onsubmit=..., hx-on:...).
(function () {
  "use strict";

  // <form data-confirm="Withdraw this request?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // <form hx-post=... data-error-in=".review-card">: when the server refuses, show its message in
  // that container's .form-error, instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var source = event.target;
    if (!(source instanceof Element)) return;
    var form = source.closest("[data-error-in]");
    if (!form) return;
    var container = form.closest(form.getAttribute("data-error-in"));
    var slot = container && container.querySelector(".form-error");
    if (!slot) return;
    var xhr = event.detail && event.detail.xhr;
    // The fallback sentence is the page's, in the reader's language (base.html's <body data-msg-error>).
    slot.textContent = (xhr && xhr.responseText) || document.body.getAttribute("data-msg-error") || "";
  });
})();
