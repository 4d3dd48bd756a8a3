// Small behaviours that work without inline scripts (the Content Security Policy forbids them).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
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
