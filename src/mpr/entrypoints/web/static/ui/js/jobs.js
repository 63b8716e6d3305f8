// The jobs panel: live progress (subscription, or polling as a fallback), cancel, retry, output,
// a page at a time, "clear finished", and the tab title and announcements of state changes.
import { JOB_UPDATES, assetsByIds, clearFinishedJobs, jobAction, listJobs } from "./api.js";
import { $, confirmAction, h, say } from "./dom.js";
import { ACTIVE, jobCard } from "./job_card.js";

const LIST_POLL_MS = 4000;
const FALLBACK_POLL_MS = 1000;
const RECONNECT_MS = 15000;
const PAGE = Number(localStorage.getItem("mpr.jobsPerPage")) || 50; // jobs a page; tests set fewer
const TITLE = document.title;

export class JobsPanel {
  constructor(root, { subscriptions, onError, onOutputReady, onShowAsset, onCompare, can = () => true }) {
    this.can = can;
    this.root = root;
    this.list = $("#job-list", root);
    this.summary = $("#jobs-summary", root);
    this.more = $("#more-jobs", root);
    this.subscriptions = subscriptions;
    this.onError = onError;
    this.onOutputReady = onOutputReady;
    this.onShowAsset = onShowAsset;
    this.onCompare = onCompare;
    this.jobs = new Map();
    this.assets = new Map(); // asset id -> asset, or null once it is known to be deleted
    this.watching = new Map(); // job id -> stop function
    this.live = true;
    this.limit = PAGE;
    $("#job-status", root).addEventListener("change", () => { this.limit = PAGE; this.load(); });
    $("#clear-jobs", root).addEventListener("click", () => this.clearFinished());
    this.more.addEventListener("click", () => { this.limit += PAGE; this.load(); });
    this.list.addEventListener("click", (e) => this.onClick(e));
  }

  get status() {
    return $("#job-status", this.root).value;
  }

  start() {
    this.load();
    let lastTry = Date.now();
    const tick = async () => {
      if (!this.live && Date.now() - lastTry > RECONNECT_MS) {
        lastTry = Date.now();
        this.subscriptions.connect().catch(() => {}); // back to live when it answers
      }
      await this.load();
      setTimeout(tick, this.live ? LIST_POLL_MS : FALLBACK_POLL_MS);
    };
    setTimeout(tick, LIST_POLL_MS);
  }

  async load() {
    try {
      const jobs = await listJobs(this.status, this.limit + 1); // one more: is there a next page?
      this.more.hidden = jobs.length <= this.limit;
      const shown = jobs.slice(0, this.limit);
      for (const job of shown) this.announce(this.jobs.get(job.id), job);
      this.jobs = new Map(shown.map((j) => [j.id, j]));
      this.render();
      for (const job of shown) if (ACTIVE.has(job.status)) this.watch(job.id);
      await this.learnAssets();
    } catch (error) {
      this.onError(error);
    }
  }

  // Fetch the sources and outputs the cards name that are not known yet, then show them.
  async learnAssets() {
    const ids = new Set([...this.jobs.values()].flatMap((j) => [j.sourceAssetId, j.outputAssetId]));
    const unknown = [...ids].filter((id) => id && !this.assets.has(id));
    if (!unknown.length) return;
    for (const [id, asset] of await assetsByIds(unknown)) this.assets.set(id, asset);
    this.render();
  }

  // The asset list changed (a delete, a scan): forget what the cards knew of assets.
  assetsChanged() {
    this.assets.clear();
    this.learnAssets().catch(this.onError);
  }

  add(job) {
    this.jobs = new Map([[job.id, job], ...this.jobs]);
    this.render();
    this.watch(job.id);
    this.learnAssets().catch(this.onError);
  }

  async watch(id) {
    if (this.watching.has(id) || !this.live) return;
    this.watching.set(id, () => {});
    const done = () => this.watching.delete(id);
    try {
      const stop = await this.subscriptions.subscribe(JOB_UPDATES, { id }, {
        next: (data) => this.update(data.jobUpdates),
        error: () => done(),
        complete: () => done(),
      });
      if (this.watching.has(id)) this.watching.set(id, stop);
    } catch {
      done();
      this.live = false; // no WebSocket: the list poll runs every second instead
    }
  }

  setLive(live) {
    this.live = live;
  }

  update(job) {
    const before = this.jobs.get(job.id);
    this.announce(before, job);
    this.jobs.set(job.id, job);
    const element = this.list.querySelector(`[data-job="${job.id}"]`);
    if (element) this.refresh(element, job);
    else this.render();
    this.showTitle();
    if (before?.status !== "completed" && job.status === "completed") {
      this.onOutputReady(job);
      this.learnAssets().catch(this.onError);
    }
  }

  // The polite live region speaks of state changes only, never of every progress tick.
  announce(before, job) {
    if (!before || before.status === job.status) return;
    say(this.summary, `${job.outputFilename}: ${job.status}`, job.status === "failed" ? "error" : "info", 0);
    this.onStateChange?.(before, job);
  }

  // The tab says how many jobs run and how far they got, seen from another tab.
  showTitle() {
    const active = [...this.jobs.values()].filter((j) => ACTIVE.has(j.status));
    if (!active.length) {
      document.title = TITLE;
      return;
    }
    const running = active.filter((j) => j.status === "processing");
    const percent = running.length ? Math.floor(running.reduce((s, j) => s + j.progress, 0) / running.length) : 0;
    const waiting = active.length - running.length;
    document.title = `(${running.length} running ${percent}%${waiting ? `, ${waiting} waiting` : ""}) ${TITLE}`;
  }

  // Re-renders only what changed, so a focused button keeps its focus between updates.
  render() {
    this.showTitle();
    const jobs = [...this.jobs.values()];
    const shown = [...this.list.querySelectorAll("[data-job]")].map((li) => li.dataset.job);
    if (shown.length === jobs.length && jobs.every((job, i) => shown[i] === job.id)) {
      jobs.forEach((job, i) => this.refresh(this.list.children[i], job));
      return;
    }
    this.list.replaceChildren(...jobs.map((job) => this.item(job)));
    if (!jobs.length) {
      const text = this.status ? `No ${this.status} jobs.` : "No jobs yet. Pick an asset, choose a segment and a preset, then create a job.";
      this.list.append(h("li", { class: "empty" }, text));
    }
  }

  refresh(element, job) {
    if (shownAs.get(element) === this.signature(job)) return;
    const focused = element.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const fresh = this.item(job);
    element.replaceWith(fresh);
    if (focused) fresh.querySelector(`[data-action="${focused}"]`)?.focus();
  }

  signature(job) {
    return JSON.stringify([job, this.assets.get(job.sourceAssetId), this.assets.get(job.outputAssetId)]);
  }

  item(job) {
    const element = jobCard(job, {
      source: this.assets.get(job.sourceAssetId),
      output: job.outputAssetId ? this.assets.get(job.outputAssetId) : job.status === "completed" ? null : undefined,
      can: this.can,
    });
    shownAs.set(element, this.signature(job));
    return element;
  }

  async clearFinished() {
    const which = this.status && !ACTIVE.has(this.status) ? `${this.status} ` : "";
    if (ACTIVE.has(this.status)) {
      say(this.summary, `${this.status} jobs have not finished: cancel them first.`, "error");
      return;
    }
    const sure = await confirmAction(`Clear ${which || "finished "}jobs?`,
      `Every ${which || "completed, failed and cancelled "}job leaves the list. Outputs stay in the asset list.`, "Clear");
    if (!sure) return;
    try {
      const removed = await clearFinishedJobs(this.status);
      say(this.summary, `Cleared ${removed} job${removed === 1 ? "" : "s"}.`, "ok");
      this.limit = PAGE;
      await this.load();
    } catch (error) {
      this.onError(error);
    }
  }

  async onClick(event) {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const id = button.closest("[data-job]").dataset.job;
    const action = button.dataset.action;
    if (action === "play") {
      this.onOutputReady(this.jobs.get(id), { play: true });
      return;
    }
    if (action === "compare") {
      this.onCompare?.(this.jobs.get(id));
      return;
    }
    if (action === "showOutput") {
      event.preventDefault();
      this.onShowAsset?.(this.jobs.get(id).outputAssetId);
      return;
    }
    button.disabled = true;
    try {
      const job = await jobAction(action, id);
      this.update(job);
      if (ACTIVE.has(job.status)) this.watch(job.id);
    } catch (error) {
      this.onError(error);
      button.disabled = false;
    }
  }
}

const shownAs = new WeakMap(); // job element -> signature of the job it shows
