// Batch work: tick several assets (or every asset the filters match), start one preset on all
// of them, and follow the batch's overall progress and refusals at the top of the jobs panel.
import { listPresets } from "./api.js";
import { createJobs, getBatch } from "./batch_api.js";
import { $, h, say } from "./dom.js";

const POLL_MS = 1000;
const LIST_LIMIT = 200; // the asset list shows this many at most (api.js), the server's batch bound
const ORDER = ["completed", "processing", "pending", "failed", "cancelled"];
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const countsText = (counts) => ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ");

// The checkboxes of the asset list and the bar that starts a batch on what they select.
export class BatchBar {
  constructor(assets, { onStarted, onError }) {
    this.assets = assets; // the AssetList: its filters, its shown assets and its list element
    this.onStarted = onStarted;
    this.onError = onError;
    this.picked = new Set(); // asset ids
    this.matching = null; // the filters picked with "Select all matching", while they are the selection
    this.shownFilters = null;
    this.root = this.build();
    $("#asset-filters", assets.root).after(this.root);
    this.show();
    this.loadPresets();
  }

  build() {
    this.count = h("span", { class: "batch-count", "aria-live": "polite" });
    this.selectAll = h("button", { type: "button", onclick: () => this.pickAllMatching(),
      title: "Select every asset the search and filters match (a batch takes at most 200)" }, "Select all matching");
    this.preset = h("select", { "aria-label": "Preset for the selected assets" });
    this.start = h("button", { type: "button", class: "primary", onclick: () => this.startBatch() }, "Start batch");
    this.clear = h("button", { type: "button", onclick: () => this.reset() }, "Clear selection");
    this.actions = h("div", { class: "batch-actions", hidden: true }, this.preset, this.start, this.clear);
    this.status = h("p", { class: "hint batch-status", role: "status" });
    return h("div", { id: "batch-bar", class: "batch-bar", role: "group", "aria-label": "Batch" },
      h("div", { class: "batch-row" }, this.selectAll, this.count), this.actions, this.status);
  }

  // Called after every render of the asset list: one labelled checkbox per asset.
  decorate(list, shown) {
    const filters = JSON.stringify(this.assets.filters());
    if (this.shownFilters !== null && filters !== this.shownFilters) this.reset(); // new search: new selection
    this.shownFilters = filters;
    const ids = new Set(shown.map((a) => a.id));
    if (this.matching) this.picked = ids;
    else for (const id of this.picked) if (!ids.has(id)) this.picked.delete(id);
    const byId = new Map(shown.map((a) => [a.id, a]));
    for (const button of list.querySelectorAll("button.asset")) {
      const asset = byId.get(button.dataset.id);
      if (!asset) continue;
      const box = h("input", { type: "checkbox", class: "batch-pick", "aria-label": `Select ${asset.filename}`,
        dataset: { id: asset.id }, onchange: (e) => this.toggle(asset.id, e.target.checked) });
      box.checked = this.picked.has(asset.id);
      button.before(box);
      button.parentElement.classList.add("pickable");
    }
    this.show();
  }

  boxes() {
    return [...this.assets.list.querySelectorAll("input.batch-pick")];
  }

  toggle(id, on) {
    this.matching = null; // changed by hand: the selection is these assets, not the filter
    if (on) this.picked.add(id);
    else this.picked.delete(id);
    this.show();
  }

  pickAllMatching() {
    // the filters of what the list shows (a search typed since has not been loaded yet)
    this.matching = this.shownFilters ? JSON.parse(this.shownFilters) : this.assets.filters();
    this.picked = new Set(this.assets.assets.map((a) => a.id));
    for (const box of this.boxes()) box.checked = true;
    this.show();
  }

  reset() {
    this.matching = null;
    this.picked = new Set();
    for (const box of this.boxes()) box.checked = false;
    this.show();
  }

  show() {
    const n = this.picked.size;
    this.count.textContent = !n ? "Tick assets to start one preset on all of them."
      : !this.matching ? `${n} selected`
        : n >= LIST_LIMIT ? `All ${n} shown selected; more may match, and a batch takes at most 200`
          : `All ${n} matching selected`;
    const opening = this.actions.hidden && n > 0;
    this.actions.hidden = n === 0;
    if (opening) this.loadPresets(); // presets made meanwhile show up
  }

  async loadPresets() {
    try {
      const presets = await listPresets();
      const chosen = this.preset.value; // read after the wait: the person may have chosen meanwhile
      this.preset.replaceChildren(...presets.map((p) => h("option", { value: p.id }, p.name)));
      if (presets.some((p) => p.id === chosen)) this.preset.value = chosen;
    } catch (error) {
      this.onError(error);
    }
  }

  input() {
    const input = { presetId: this.preset.value };
    const m = this.matching;
    if (m) input.filter = { search: m.search || null, status: m.status || null, location: m.location || null };
    else input.assetIds = [...this.picked];
    return input;
  }

  async startBatch() {
    const n = this.picked.size;
    if (!n || !this.preset.value) return;
    const preset = this.preset.selectedOptions[0]?.textContent ?? "";
    this.start.disabled = true;
    say(this.status, `Starting ${preset} on ${plural(n, "asset")}…`, "info", 0);
    try {
      const result = await createJobs(this.input());
      this.reset();
      const refused = result.refused.length ? `; ${result.refused.length} not started, see Jobs` : "";
      say(this.status, `Started ${plural(result.jobs.length, "job")}${refused}.`, refused ? "info" : "ok", 8000);
      this.onStarted(result, { preset });
    } catch (error) {
      say(this.status, error.message, "error", 10000);
    } finally {
      this.start.disabled = false;
    }
  }
}

// The latest batch's overall progress, its counts and what was not started, in the jobs panel.
export class BatchProgressView {
  constructor(jobsRoot, { onFinished = () => {}, onError }) {
    this.onFinished = onFinished;
    this.onError = onError;
    this.batchId = null;
    this.title = h("h3", { id: "batch-title" });
    this.bar = h("div", { class: "bar", style: "width:0%" });
    this.meter = h("div", { class: "progress", role: "progressbar", "aria-label": "Overall progress of the batch",
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, this.bar);
    this.counts = h("p", { class: "batch-counts" });
    this.refusals = h("div", { class: "batch-refusals" });
    this.announce = h("p", { class: "sr-only", role: "status" });
    const dismiss = h("button", { type: "button", "aria-label": "Dismiss the batch progress",
      onclick: () => this.dismiss() }, "Dismiss");
    this.root = h("section", { class: "batch-progress", "aria-labelledby": "batch-title", hidden: true },
      h("div", { class: "panel-head" }, this.title, dismiss), this.meter, this.counts, this.refusals, this.announce);
    $("#jobs-summary", jobsRoot).before(this.root);
  }

  follow(result, { preset }) {
    clearTimeout(this.timer);
    this.batchId = result.batchId;
    this.root.dataset.batch = result.batchId;
    this.title.textContent = `Batch · ${preset} · ${plural(result.jobs.length, "job")}`;
    this.showRefusals(result.refused);
    this.render({ progress: 0, finished: !result.jobs.length, counts: { pending: result.jobs.length } });
    this.root.hidden = false;
    if (result.jobs.length) this.poll(result.batchId);
  }

  async poll(id) {
    if (id !== this.batchId) return;
    try {
      const batch = await getBatch(id);
      if (id !== this.batchId) return;
      this.render(batch);
      if (batch.finished) {
        this.announce.textContent = `Batch finished: ${countsText(batch.counts)}.`;
        this.onFinished(batch);
        return;
      }
    } catch (error) {
      if (error.code === "NOT_FOUND") return this.dismiss(); // its jobs were cleared from the list
      this.onError(error);
    }
    this.timer = setTimeout(() => this.poll(id), POLL_MS);
  }

  render(batch) {
    const percent = Math.floor(batch.progress);
    const counts = countsText(batch.counts) || "no jobs";
    this.bar.style.width = `${percent}%`;
    this.meter.setAttribute("aria-valuenow", String(percent));
    this.meter.setAttribute("aria-valuetext", `${percent}%: ${counts}`);
    this.counts.textContent = `${percent}% · ${counts}`;
    this.root.dataset.finished = String(batch.finished);
    this.root.dataset.failed = String(Boolean(batch.counts.failed || batch.counts.cancelled));
  }

  showRefusals(refused) {
    if (!refused.length) {
      this.refusals.replaceChildren();
      return;
    }
    this.refusals.replaceChildren(h("details", { class: "batch-refused", open: true },
      h("summary", {}, `${plural(refused.length, "asset")} not started`),
      h("ul", {}, refused.map((r) => h("li", {}, h("strong", {}, r.filename ?? r.assetId), `: ${r.reason}`)))));
  }

  dismiss() {
    clearTimeout(this.timer);
    this.batchId = null;
    this.root.hidden = true;
  }
}
