// The jobs panel: live progress (subscription, or polling as a fallback), cancel, retry, output.
import { JOB_UPDATES, jobAction, listJobs } from "./api.js";
import { $, h } from "./dom.js";
import { formatEta, formatSpeed, formatTime } from "./format.js";

const ACTIVE = new Set(["pending", "processing"]);
const LIST_POLL_MS = 4000;
const FALLBACK_POLL_MS = 1000;
const RECONNECT_MS = 15000;

export class JobsPanel {
  constructor(root, { subscriptions, onError, onOutputReady }) {
    this.root = root;
    this.list = $("#job-list", root);
    this.subscriptions = subscriptions;
    this.onError = onError;
    this.onOutputReady = onOutputReady;
    this.jobs = new Map();
    this.watching = new Map(); // job id -> stop function
    this.live = true;
    $("#job-status", root).addEventListener("change", () => this.load());
    this.list.addEventListener("click", (e) => this.onClick(e));
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
      const jobs = await listJobs($("#job-status", this.root).value);
      this.jobs = new Map(jobs.map((j) => [j.id, j]));
      this.render();
      for (const job of jobs) if (ACTIVE.has(job.status)) this.watch(job.id);
    } catch (error) {
      this.onError(error);
    }
  }

  add(job) {
    this.jobs = new Map([[job.id, job], ...this.jobs]);
    this.render();
    this.watch(job.id);
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
    this.jobs.set(job.id, job);
    const element = this.list.querySelector(`[data-job="${job.id}"]`);
    if (element) this.refresh(element, job);
    else this.render();
    if (before?.status !== "completed" && job.status === "completed") this.onOutputReady(job);
  }

  // Re-renders only what changed, so a focused button keeps its focus between updates.
  render() {
    const jobs = [...this.jobs.values()];
    const shown = [...this.list.querySelectorAll("[data-job]")].map((li) => li.dataset.job);
    if (shown.length === jobs.length && jobs.every((job, i) => shown[i] === job.id)) {
      jobs.forEach((job, i) => this.refresh(this.list.children[i], job));
      return;
    }
    this.list.replaceChildren(...jobs.map((job) => this.item(job)));
    if (!jobs.length) this.list.append(h("li", { class: "empty" }, "No jobs yet. Pick an asset, choose a segment and a preset, then create a job."));
  }

  refresh(element, job) {
    if (shownAs.get(element) === signature(job)) return;
    const focused = element.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const fresh = this.item(job);
    element.replaceWith(fresh);
    if (focused) fresh.querySelector(`[data-action="${focused}"]`)?.focus();
  }

  item(job) {
    const progress = Math.round(job.progress);
    const trim = job.trimStart !== null || job.trimEnd !== null
      ? `${formatTime(job.trimStart ?? 0)} → ${job.trimEnd !== null ? formatTime(job.trimEnd) : "end"}` : "whole file";
    const element = h("li", { class: "job", dataset: { job: job.id, status: job.status } },
      h("div", { class: "job-head" },
        h("span", { class: "job-name", title: job.outputFilename }, job.outputFilename),
        h("span", { class: `badge status-${job.status}` }, job.status)),
      h("div", { class: "job-sub" }, `${job.preset.name} · ${trim}`),
      h("div", {
        class: "progress", role: "progressbar", "aria-label": `Progress of ${job.outputFilename}`,
        "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(progress),
      }, h("div", { class: "bar", style: `width:${progress}%` })),
      h("div", { class: "job-stats" },
        h("span", { class: "job-progress" }, `${progress}%`),
        job.status === "processing" ? h("span", {}, formatSpeed(job.speed)) : null,
        job.status === "processing" ? h("span", {}, formatEta(job.eta)) : null,
        job.attempts > 1 ? h("span", {}, `attempt ${job.attempts}`) : null),
      job.errorMessage ? h("p", { class: "job-error" }, job.errorMessage) : null,
      h("div", { class: "job-actions" }, this.actions(job)));
    shownAs.set(element, signature(job));
    return element;
  }

  actions(job) {
    const button = (action, label, cls = "") => h("button", { type: "button", class: cls, dataset: { action } }, label);
    const out = [];
    if (ACTIVE.has(job.status)) out.push(button("cancelJob", "Cancel", "danger"));
    if (job.status === "failed" || job.status === "cancelled") out.push(button("retryJob", "Retry"));
    if (job.status === "completed" && job.outputUrl) {
      out.push(button("play", "Play"));
      out.push(h("a", { class: "button", href: `${job.outputUrl}?download=1`, download: job.outputFilename }, "Download"));
    }
    return out;
  }

  async onClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const id = button.closest("[data-job]").dataset.job;
    const action = button.dataset.action;
    if (action === "play") {
      this.onOutputReady(this.jobs.get(id), { play: true });
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

const signature = (job) => JSON.stringify(job);
const shownAs = new WeakMap(); // job element -> signature of the job it shows
