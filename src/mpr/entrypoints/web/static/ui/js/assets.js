// The asset list: filters, search, scan, and keyboard-friendly selection.
import { listAssets, scanMedia } from "./api.js";
import { $, debounce, h, say } from "./dom.js";
import { formatBytes, formatDuration } from "./format.js";

export class AssetList {
  constructor(root, { onSelect, onError }) {
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
    try {
      this.assets = await listAssets(this.filters());
      this.render();
    } catch (error) {
      this.onError(error);
    }
  }

  async scan() {
    const button = $("#scan", this.root);
    button.disabled = true;
    say(this.status, "Scanning the input folder…", "info", 0);
    try {
      const result = await scanMedia();
      say(this.status, `Found ${result.found}, registered ${result.registered} new, ${result.skipped} known.`, "ok");
      await this.load();
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
      h("span", { class: "asset-name", title: asset.filename }, asset.filename),
      h("span", { class: `badge status-${asset.status}` }, asset.status),
      h("span", { class: "asset-facts" },
        h("span", {}, formatDuration(asset.duration)),
        h("span", {}, codecs),
        h("span", {}, resolution),
        h("span", {}, formatBytes(asset.fileSize))),
      asset.errorMessage ? h("span", { class: "asset-error" }, asset.errorMessage) : null));
  }

  select(id) {
    this.selectedId = id;
    for (const button of this.list.querySelectorAll("button.asset")) {
      button.setAttribute("aria-pressed", button.dataset.id === id ? "true" : "false");
    }
    const asset = this.assets.find((a) => a.id === id);
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
