// Tiny DOM helpers: element builder and lookups.

export const $ = (selector, root = document) => root.querySelector(selector);

// h("button", { class: "x", onclick: fn }, "text", child) builds an element.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "style") element.style.cssText = value; // CSSOM: allowed by the page's CSP
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Shows a short message in a status element, cleared after a while.
export function say(element, message, kind = "info", ms = 4000) {
  element.textContent = message;
  element.dataset.kind = kind;
  clearTimeout(element._sayTimer);
  if (ms) element._sayTimer = setTimeout(() => { element.textContent = ""; }, ms);
}

// Asks in the page's confirm dialog; resolves true when the person pressed the action button.
export function confirmAction(title, text, action) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title", dialog).textContent = title;
  $("#confirm-text", dialog).textContent = text;
  $("#confirm-yes", dialog).textContent = action;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}
