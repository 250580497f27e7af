// The one DOM helper the page's drawing modules share: an element with a class and a text (set as
// textContent, never as HTML).

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}
