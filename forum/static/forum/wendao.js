// Small behaviours that work without inline scripts (the Content Security Policy forbids them).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
});
// "Go back" links on error pages: history.back() from a file, since javascript: URLs are refused.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// A link to an answer (#answer-N) may point past the first page of answers: when that answer is
// not on this page, ask the server for its page (it answers with ?page=K#answer-N, so no loop).
(() => {
  const match = /^#answer-(\d+)$/.exec(window.location.hash);
  const params = new URLSearchParams(window.location.search);
  if (!match || params.has("page") || document.getElementById(`answer-${match[1]}`)) return;
  if (!document.querySelector(".answers")) return;
  params.set("answer", match[1]);
  window.location.replace(`${window.location.pathname}?${params}${window.location.hash}`);
})();
// htmx does not swap error responses in, so a refused vote would otherwise fail silently: show
// the server's reason (the fragment's, or the error page's role="alert" text) beside the control.
document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
  const alert = page.querySelector('[role="alert"]');
  const message = (alert && alert.textContent.trim()) || `${xhr.status} ${xhr.statusText}`;
  const anchor = event.detail.elt.closest(".votes, form") || event.detail.elt;
  let box = anchor.nextElementSibling;
  if (!box || !box.classList.contains("htmx-error")) {
    box = document.createElement("p");
    box.className = "error htmx-error";
    box.setAttribute("role", "alert");
    anchor.after(box);
  }
  box.textContent = message;
});
// A new attempt clears the previous attempt's message.
document.addEventListener("htmx:beforeRequest", (event) => {
  const anchor = event.detail.elt.closest(".votes, form") || event.detail.elt;
  const container = anchor.parentElement;
  if (container) container.querySelectorAll(":scope > .htmx-error").forEach((box) => box.remove());
});
