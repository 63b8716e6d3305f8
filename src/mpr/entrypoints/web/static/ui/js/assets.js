// The asset list: filters, search, scan, and keyboard-friendly selection.
import { listAssets, scanMedia } from "./api.js";
import { $, debounce, h, say } from "./dom.js";
import { formatBytes, formatDuration } from "./format.js";
import { poster } from "./poster.js";

export const MISSING_HINT = "Its file is gone from the input folder: put the same file back and press Scan.";

const statusHint = (asset) => (asset.status === "missing" ? MISSING_HINT : asset.errorMessage || asset.status);

export class AssetList {
  constructor(root, { onSelect, onError, onChanged = () => {} }) {
    this.onChanged = onChanged;
    this.root = root;
    this.list = $("#asset-list", root);
    this.status = $("#scan-result", root);
    this.onSelect = onSelect;
    this.onError = onError;
    this.assets = [];
    this.selectedId = null;
    this.bind();
  }

  bind() {
    const reload = debounce(() => this.load(), 200);
    $("#asset-search", this.root).addEventListener("input", reload);
    $("#asset-status", this.root).addEventListener("change", () => this.load());
    $("#asset-location", this.root).addEventListener("change", () => this.load());
    $("#asset-filters", this.root).addEventListener("submit", (e) => { e.preventDefault(); this.load(); });
    $("#scan", this.root).addEventListener("click", () => this.scan());
    this.list.addEventListener("keydown", (e) => this.onKey(e));
  }

  filters() {
    return {
      search: $("#asset-search", this.root).value.trim(),
      status: $("#asset-status", this.root).value,
      location: $("#asset-location", this.root).value,
    };
  }

  async load() {
    // Answers can arrive out of order (a slow one for older filters after a quick one for
    // the new): only the answer to the latest request is shown.
    const request = (this.requests = (this.requests || 0) + 1);
    try {
      const assets = await listAssets(this.filters());
      if (request !== this.requests) return;
      const before = this.assets.find((a) => a.id === this.selectedId);
      this.assets = assets;
      this.render();
      // The shown asset's file went or came back (a scan): the editor follows.
      const after = assets.find((a) => a.id === this.selectedId);
      if (before && after && before.status !== after.status) this.onSelect(after);
    } catch (error) {
      if (request === this.requests) this.onError(error);
    }
  }

  async scan() {
    const button = $("#scan", this.root);
    button.disabled = true;
    say(this.status, "Scanning the input folder…", "info", 0);
    try {
      const result = await scanMedia();
      // The list is refreshed before the result is told, so what it names is on screen.
      await this.load();
      const presence = [result.missing ? `${result.missing} missing` : "",
        result.restored ? `${result.restored} back` : ""].filter(Boolean).join(", ");
      say(this.status, `Found ${result.found}, registered ${result.registered} new, ${result.skipped} known`
        + (presence ? `; ${presence}.` : "."), result.missing ? "info" : "ok", result.missing ? 10000 : 4000);
      this.onChanged();
    } catch (error) {
      say(this.status, error.message, "error", 8000);
    } finally {
      button.disabled = false;
    }
  }

  render() {
    const items = this.assets.map((asset) => this.item(asset));
    this.list.replaceChildren(...items);
    if (!items.length) this.list.append(h("li", { class: "empty" }, "No assets match. Put media in the input folder and press Scan."));
    this.onRendered?.(this.list, this.assets); // the batch bar adds its checkboxes
  }

  item(asset) {
    const selected = asset.id === this.selectedId;
    const resolution = asset.width ? `${asset.width}×${asset.height}` : "audio";
    const codecs = [asset.videoCodec, asset.audioCodec].filter(Boolean).join(" / ") || "—";
    return h("li", {},
      h("button", {
        class: "asset", type: "button", "aria-pressed": selected ? "true" : "false",
        dataset: { id: asset.id }, onclick: () => this.select(asset.id),
      },
      poster(asset),
      h("span", { class: "asset-name", title: asset.filename }, asset.filename),
      h("span", { class: `badge status-${asset.status}`, title: statusHint(asset) }, asset.status),
      h("span", { class: "asset-facts" },
        h("span", {}, formatDuration(asset.duration)),
        h("span", {}, codecs),
        h("span", {}, resolution),
        h("span", {}, formatBytes(asset.fileSize))),
      asset.errorMessage ? h("span", { class: "asset-error" }, asset.errorMessage) : null,
      asset.status === "missing" ? h("span", { class: "asset-missing" }, MISSING_HINT) : null));
  }

  // Select by id; `known` shows an asset the current filters leave out (a deep link's).
  select(id, known = null) {
    this.selectedId = id;
    for (const button of this.list.querySelectorAll("button.asset")) {
      button.setAttribute("aria-pressed", button.dataset.id === id ? "true" : "false");
    }
    const asset = this.assets.find((a) => a.id === id) ?? known;
    if (asset) this.onSelect(asset);
  }

  onKey(event) {
    if (!["ArrowDown", "ArrowUp"].includes(event.key)) return;
    const buttons = [...this.list.querySelectorAll("button.asset")];
    const index = buttons.indexOf(document.activeElement);
    const next = buttons[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  }

  // Replace one asset's data after an edit (keeps the list in sync).
  patch(changed) {
    const asset = this.assets.find((a) => a.id === changed.id);
    if (asset) Object.assign(asset, changed);
  }
}
