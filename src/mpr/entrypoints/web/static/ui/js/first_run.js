// The first run: no asset registered yet while media wait in the input folder (the sample
// clips MPR writes on its first start, or files put there): say so, and offer Scan.
import { h } from "./dom.js";
import { gql } from "./gql.js";

async function waitingMedia() {
  return (await gql("query { waitingMedia { count names } }")).waitingMedia;
}

export class FirstRunHint {
  // The hint goes above `list` and leaves once the list shows an asset (however it came);
  // `scan` runs a Scan. While it shows, the panel's Scan button is the primary one.
  constructor(list, { scanButton, scan, onError }) {
    this.list = list;
    this.scanButton = scanButton;
    this.scan = scan;
    this.onError = onError;
    this.element = null;
    this.observer = new MutationObserver(() => {
      if (this.list.querySelector("button.asset")) this.hide();
    });
  }

  // Asks the server what waits, and shows the hint when something does.
  async check() {
    try {
      const waiting = await waitingMedia();
      if (waiting.count) this.show(waiting);
      else this.hide();
    } catch (error) {
      this.onError(error);
    }
  }

  show({ count, names }) {
    const files = count === 1 ? "1 media file is" : `${count} media files are`;
    const listed = names.join(", ") + (count > names.length ? ` and ${count - names.length} more` : "");
    const button = h("button", { type: "button", class: "primary", id: "first-run-register",
      onclick: () => this.register(button) }, count === 1 ? "Register it" : `Register all ${count}`);
    const hint = h("section", { id: "first-run", class: "first-run", "aria-labelledby": "first-run-title" },
      h("h3", { id: "first-run-title" }, `${files} waiting`),
      h("p", {}, `Nothing is registered yet, but the input folder holds ${listed}. `
        + "A Scan registers and probes them, so you can play, cut and transcode them."),
      button);
    this.hide();
    this.element = hint;
    this.list.before(hint);
    this.scanButton.classList.add("primary");
    this.observer.observe(this.list, { childList: true });
  }

  async register(button) {
    button.disabled = true;
    try {
      await this.scan();
    } finally {
      button.disabled = false;
    }
  }

  hide() {
    this.observer.disconnect();
    this.scanButton.classList.remove("primary");
    this.element?.remove();
    this.element = null;
  }
}
