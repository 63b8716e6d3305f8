// The selected asset: player, timeline, numeric in/out, preset choice, job creation, comments.
import { createJob, listPresets, updateComments } from "./api.js";
import { MISSING_HINT } from "./assets.js";
import { $, h, say } from "./dom.js";
import { formatBytes, formatTime, parseTime } from "./format.js";
import { Playback } from "./player.js";
import { fitting, summarize } from "./presets.js";
import { Timeline } from "./timeline.js";

const MIN_SEGMENT = 0.5; // seconds: a shorter cut is a slip of the handle, not a wanted job

export class Editor {
  constructor(root, { onJobCreated, onAssetChanged }) {
    this.root = root;
    this.video = $("#player", root);
    this.playback = new Playback(this.video, $("#renditions", root), {
      onError: (error) => say(this.formStatus, error.message, "error", 10000),
    });
    this.timeline = new Timeline($("#timeline", root), this.video);
    this.inInput = $("#in-time", root);
    this.outInput = $("#out-time", root);
    this.formStatus = $("#job-form-status", root);
    this.onJobCreated = onJobCreated;
    this.onAssetChanged = onAssetChanged;
    this.asset = null;
    this.bind();
  }

  bind() {
    this.timeline.addEventListener("change", () => this.showTrim());
    for (const [input, which] of [[this.inInput, "in"], [this.outInput, "out"]]) {
      input.addEventListener("change", () => this.typed(input, which));
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); this.typed(input, which); } });
    }
    $("#set-in", this.root).addEventListener("click", () => this.timeline.setIn(this.video.currentTime));
    $("#set-out", this.root).addEventListener("click", () => this.timeline.setOut(this.video.currentTime));
    $("#reset-trim", this.root).addEventListener("click", () => this.timeline.reset());
    $("#play-selection", this.root).addEventListener("click", () => this.playSelection());
    $("#preset", this.root).addEventListener("change", () => this.showPresetSummary());
    $("#job-form", this.root).addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    const comments = $("#comments", this.root);
    comments.addEventListener("change", () => this.saveComments(comments.value));
    document.addEventListener("keydown", (e) => this.shortcut(e));
  }

  // Fills the picker, keeping the chosen preset (or choosing `chosenId`); returns the presets.
  async loadPresets(chosenId = null) {
    const select = $("#preset", this.root);
    const presets = await listPresets();
    const keep = chosenId ?? select.value; // read after the wait: a choice made meanwhile stays
    const group = (label, items) => h("optgroup", { label },
      items.map((p) => h("option", { value: p.id, title: p.description }, p.name)));
    select.replaceChildren(
      group("Builtin", presets.filter((p) => p.isBuiltin)),
      group("Yours", presets.filter((p) => !p.isBuiltin)));
    this.presets = presets;
    const preferred = presets.find((p) => p.id === keep) ?? presets.find((p) => p.name === "h264-720p");
    if (preferred) select.value = preferred.id;
    this.fitPreset();
    return presets;
  }

  // An audio-only asset gets an audio preset; the summary says what the chosen one makes.
  fitPreset() {
    const select = $("#preset", this.root);
    const chosen = this.presets?.find((p) => p.id === select.value);
    const fit = this.asset ? fitting(this.presets, chosen, this.asset) : chosen;
    if (fit && fit !== chosen) select.value = fit.id;
    this.showPresetSummary();
  }

  showPresetSummary() {
    const preset = this.presets?.find((p) => p.id === $("#preset", this.root).value);
    $("#preset-summary", this.root).textContent = summarize(preset);
    $("#preset-summary", this.root).title = preset?.description ?? "";
  }

  show(asset) {
    this.asset = asset;
    $("#empty-editor").hidden = true;
    this.root.hidden = false;
    $("#editor-title", this.root).textContent = asset.filename;
    this.video.setAttribute("aria-label", `Player: ${asset.filename}`);
    this.showMedia(asset);
    this.timeline.load(asset);
    this.showTrim();
    this.showMeta(asset);
    this.fitPreset();
    $("#comments", this.root).value = asset.comments;
    const ready = asset.status === "ready";
    $("#create-job", this.root).disabled = !ready;
    const reason = asset.status === "missing" ? MISSING_HINT : `This asset is ${asset.status}; it cannot be transcoded.`;
    say(this.formStatus, ready ? "" : reason, "info", 0);
  }

  // Back to "pick an asset" (the shown one was deleted).
  hide() {
    this.asset = null;
    this.video.removeAttribute("src");
    this.video.load();
    this.root.hidden = true;
    $("#empty-editor").hidden = false;
  }

  // A missing asset's file is gone: no player, download or segment playback, and say why.
  showMedia(asset) {
    const missing = asset.status === "missing";
    const download = $("#asset-download", this.root);
    const note = $("#player-unavailable", this.root);
    if (missing) {
      download.removeAttribute("href");
      this.playback.clear();
    } else {
      download.href = `${asset.mediaUrl}?download=1`;  // a ladder's: a ZIP of its package
      download.textContent = asset.streamUrl ? "Download ZIP" : "Download";
      this.playback.show(asset.streamUrl || asset.mediaUrl, { ladder: Boolean(asset.streamUrl) });
    }
    download.setAttribute("aria-disabled", missing ? "true" : "false");
    download.title = missing ? MISSING_HINT : "";
    this.video.hidden = missing;
    note.hidden = !missing;
    note.textContent = missing ? `${asset.filename}: ${MISSING_HINT}` : "";
    $("#play-selection", this.root).disabled = missing;
    this.video.classList.toggle("audio-only", !asset.videoCodec);
  }

  showMeta(asset) {
    const facts = [
      ["Status", asset.status], ["Container", asset.container], ["Video", asset.videoCodec],
      ["Audio", asset.audioCodec],
      ["Resolution", asset.width ? `${asset.width}×${asset.height}` : null],
      ["Frame rate", asset.framerate ? `${asset.framerate.toFixed(2)} fps` : null],
      ["Bitrate", asset.bitrate ? `${Math.round(asset.bitrate / 1000)} kb/s` : null],
      ["Size", formatBytes(asset.fileSize)], ["Duration", formatTime(asset.duration)],
      ["Store", asset.location],
    ];
    $("#asset-meta", this.root).replaceChildren(...facts.filter(([, v]) => v)
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  showTrim() {
    const { in: start, out: end } = this.timeline;
    this.inInput.value = formatTime(start);
    this.outInput.value = formatTime(end);
    for (const input of [this.inInput, this.outInput]) input.removeAttribute("aria-invalid");
    $("#trim-length", this.root).textContent = `Segment ${formatTime(end - start)}`;
  }

  typed(input, which) {
    const seconds = parseTime(input.value);
    if (seconds === null || seconds > this.timeline.duration) {
      input.setAttribute("aria-invalid", "true");
      say(this.formStatus, "Times are hh:mm:ss.mmm within the media.", "error");
      return;
    }
    if (which === "in") this.timeline.setIn(seconds);
    else this.timeline.setOut(seconds);
    this.timeline.seek(which === "in" ? this.timeline.in : this.timeline.out);
  }

  playSelection() {
    const { in: start, out: end } = this.timeline;
    this.video.currentTime = start;
    const stop = () => {
      if (this.video.currentTime >= end) {
        this.video.pause();
        this.video.removeEventListener("timeupdate", stop);
      }
    };
    this.video.addEventListener("timeupdate", stop);
    this.video.play().catch(() => {});
  }

  shortcut(event) {
    if (!this.asset || event.target.closest("input, textarea, select, dialog")) return;
    const pressable = event.target.closest("button, a, video, [role=slider]");
    if (event.key === " " && pressable) return; // space keeps activating the focused control
    const keys = {
      i: () => this.timeline.setIn(this.video.currentTime),
      o: () => this.timeline.setOut(this.video.currentTime),
      " ": () => (this.video.paused ? this.video.play().catch(() => {}) : this.video.pause()),
    };
    const run = keys[event.key.toLowerCase()];
    if (run && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      run();
    }
  }

  async submit() {
    const button = $("#create-job", this.root);
    const { start, end } = this.timeline.trim;
    const length = this.timeline.out - this.timeline.in;
    if (length < MIN_SEGMENT && length < this.timeline.duration) {
      say(this.formStatus, `The segment is ${length.toFixed(2)} s: make it at least ${MIN_SEGMENT} s long.`, "error", 10000);
      return;
    }
    const input = {
      sourceAssetId: this.asset.id, presetId: $("#preset", this.root).value || null,
      trimStart: start, trimEnd: end,
      outputFilename: $("#output-name", this.root).value.trim() || null,
    };
    button.disabled = true;
    try {
      const job = await createJob(input);
      say(this.formStatus, `Job created: ${job.outputFilename}`, "ok");
      $("#output-name", this.root).value = "";
      this.onJobCreated(job);
    } catch (error) {
      say(this.formStatus, error.message, "error", 10000);
    } finally {
      button.disabled = this.asset.status !== "ready";
    }
  }

  async saveComments(comments) {
    const status = $("#comments-status", this.root);
    say(status, "Saving…", "info", 0);
    try {
      const saved = await updateComments(this.asset.id, comments);
      this.asset.comments = saved.comments;
      this.onAssetChanged(saved);
      say(status, "Saved", "ok");
    } catch (error) {
      say(status, error.message, "error", 10000);
    }
  }
}
