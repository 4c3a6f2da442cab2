// Small page behaviours without inline scripts (keeps a strict Content-Security-Policy possible).
document.addEventListener("click", (event) => {
  const close = event.target.closest(".notice-close");
  if (close) close.closest(".notice").remove();
  if (event.target.closest("[data-print]")) window.print();
});
