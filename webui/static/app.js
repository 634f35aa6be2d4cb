// Enter submits the search; Enter that confirms an IME composition does not.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (box) {
    let composing = false;
    box.addEventListener("compositionstart", () => { composing = true; });
    box.addEventListener("compositionend", () => { setTimeout(() => { composing = false; }, 0); });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.isComposing || composing || event.keyCode === 229)) {
        event.preventDefault();
      }
    });
  }

  // Jump between highlighted matches in the document view.
  const marks = Array.from(document.querySelectorAll(".paragraphs mark"));
  const pos = document.getElementById("hit-pos");
  let current = -1;
  const target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target) {
    const first = marks.findIndex((m) => target.contains(m));
    current = first >= 0 ? first - 1 : -1;
  }
  function go(step) {
    if (!marks.length) return;
    if (current >= 0) marks[current].classList.remove("current");
    current = (current + step + marks.length) % marks.length;
    const m = marks[current];
    m.classList.add("current");
    m.scrollIntoView({ block: "center" });
    if (pos) pos.textContent = `${current + 1} / ${marks.length}`;
  }
  const next = document.getElementById("next-hit");
  const prev = document.getElementById("prev-hit");
  if (next) next.addEventListener("click", () => go(1));
  if (prev) prev.addEventListener("click", () => go(-1));
});
