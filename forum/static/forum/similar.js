// "Similar questions" on the ask page: while the title is typed (debounced), fetch the list of
// questions like it from the server (an HTML fragment Django renders and escapes) and show it.
(function () {
  "use strict";
  const box = document.getElementById("similar-questions");
  if (!box) return;
  const title = document.getElementById(box.dataset.titleInput);
  const product = document.getElementById(box.dataset.productInput);
  if (!title) return;
  const DELAY_MS = 400;
  const MIN_CHARS = 3;
  let timer = null;
  let controller = null;
  let lastKey = "";

  function refresh() {
    const text = title.value.trim();
    const key = text + "\u0000" + (product ? product.value : "");
    if (key === lastKey) return;
    lastKey = key;
    if (controller) controller.abort();
    if (text.length < MIN_CHARS) {
      box.replaceChildren();
      return;
    }
    controller = new AbortController();
    const params = new URLSearchParams({ title: text });
    if (product && product.value) params.set("product", product.value);
    fetch(box.dataset.similarUrl + "?" + params.toString(), {
      headers: { "X-Requested-With": "fetch" },
      signal: controller.signal,
    })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        // The fragment comes from our own server-side template, with every title escaped.
        box.innerHTML = html;
      })
      .catch(() => {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  title.addEventListener("input", schedule);
  if (product) product.addEventListener("change", schedule);
  if (title.value.trim().length >= MIN_CHARS && !document.querySelector(".similar-confirm")) schedule();
})();
