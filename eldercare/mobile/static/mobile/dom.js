// Building the page with the DOM only: text goes in as text (never as HTML), so a name or a server
// message can never run as script, and the page's Content-Security-Policy allows no inline code.

/** An element: h("button", {class: "primary", onclick: f, dataset: {testid: "end"}}, "结束服务", child...) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "testid") element.dataset.testid = value;
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Object URLs of the photos shown: those of the content being built, and those of the content on screen.
let building = [];
let shown = [];

/** A blob's object URL, let go of when the content showing it is replaced (photos are blobs in IndexedDB). */
export function blobUrl(blob) {
  const url = URL.createObjectURL(blob);
  building.push(url);
  return url;
}

export function replaceContent(target, ...children) {
  target.replaceChildren(...children.flat(Infinity).filter(Boolean));
  for (const url of shown) URL.revokeObjectURL(url);
  shown = building;
  building = [];
}
