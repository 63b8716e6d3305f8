// The compare view: a completed job's source and output side by side, each with its size,
// bitrate, resolution and codecs, and players kept in step (a cut's output offset by its start).
import { assetsByIds, jobOfOutput } from "./api.js";
import { $, h, say } from "./dom.js";
import { formatBytes, formatTime } from "./format.js";
import { sizeChange } from "./job_card.js";
import { Playback } from "./player.js";
import { PlayerSync } from "./sync.js";


const kbps = (bitrate) => (bitrate ? `${Math.round(bitrate / 1000)} kb/s` : null);
const resolution = (a) => (a.width ? `${a.width}×${a.height}` : "no video");
const cutText = (job, source, offset) => {
  const asked = job.trimStart ?? 0;
  const early = asked - offset > 0.01 ? ` (a copy: from the keyframe at ${formatTime(offset)})` : "";
  return `${formatTime(asked)} → ${formatTime(job.trimEnd ?? source.duration)} of the source${early}`;
};
const codecs = (a) => [a.videoCodec, a.audioCodec].filter(Boolean).join(" / ") || null;

// Where the output starts in the source: trimStart, but a copy cut starts at the keyframe at
// or before it (SPEC "Trims"), which the output's extra length tells.
export function cutStart(job, source, output) {
  const start = job.trimStart ?? 0;
  const copies = [job.preset.videoCodec, job.preset.audioCodec].includes("copy");
  if (!start || !copies || !output.duration || !source.duration) return start;
  const end = job.trimEnd ?? source.duration;
  return Math.min(start, Math.max(0, end - output.duration));
}

// The job that made an output asset (the newest completed ones are searched), or null.
function side(which, label) {
  const video = h("video", { class: "compare-video", controls: true, playsinline: true,
    preload: "auto", dataset: { side: which }, "aria-label": label });
  const menu = h("select", { class: "renditions", "aria-label": `${label} rendition`, hidden: true });
  const title = h("h3", { class: "compare-name" }, label);
  const facts = h("dl", { class: "compare-facts meta" });
  const root = h("section", { class: "compare-side", dataset: { side: which } }, title, video, menu, facts);
  return { root, video, menu, title, facts, label };
}

export class CompareView {
  // offer: a button beside an open output asset that opens the compare view for it.
  constructor({ onError, offer = null }) {
    this.onError = onError;
    this.sides = { source: side("source", "Source"), output: side("output", "Output") };
    this.status = h("p", { class: "hint compare-status", role: "status" });
    this.dialog = h("dialog", { id: "compare-dialog", class: "compare", "aria-labelledby": "compare-title" },
      h("div", { class: "panel-head" },
        h("h2", { id: "compare-title" }, "Compare"),
        h("button", { type: "button", class: "compare-close", onclick: () => this.dialog.close() }, "Close")),
      h("div", { class: "compare-sides" }, this.sides.source.root, this.sides.output.root),
      this.status);
    document.body.append(this.dialog);
    for (const s of Object.values(this.sides)) s.playback = new Playback(s.video, s.menu, { onError });
    this.sides.source.video.muted = true; // one soundtrack at a time: the output's
    this.dialog.addEventListener("close", () => this.closed());
    this.sync = null;
    this.offer = offer;
    this.offered = null;
    offer?.addEventListener("click", () => this.offered && this.open(this.offered));
  }

  // Shows the offer button when the asset is an output whose job is known.
  async offerFor(asset) {
    if (!this.offer) return;
    const asked = (this.asked = (this.asked || 0) + 1); // only the latest asset's answer counts
    this.offered = null;
    this.offer.hidden = true;
    if (asset?.location !== "output") return;
    const job = await jobOfOutput(asset.id).catch(() => null);
    if (!job || asked !== this.asked) return;
    this.offered = job;
    this.offer.hidden = false;
    this.offer.setAttribute("aria-label", `Compare ${asset.filename} with its source`);
  }

  async open(job) {
    try {
      const found = await assetsByIds([job.sourceAssetId, job.outputAssetId]);
      const source = found.get(job.sourceAssetId);
      const output = found.get(job.outputAssetId);
      if (!source || !output || source.status === "missing") {
        this.onError(new Error(`${job.outputFilename} cannot be compared: its ${!output ? "output" : "source"} is gone.`));
        return;
      }
      this.show(job, source, output);
    } catch (error) {
      this.onError(error);
    }
  }

  show(job, source, output) {
    const offset = cutStart(job, source, output);
    $("#compare-title", this.dialog).textContent = `${output.filename} against ${source.filename}`;
    this.describe(this.sides.source, source, [["Size", formatBytes(source.fileSize)]]);
    const cut = job.trimStart !== null || job.trimEnd !== null;
    const ladder = job.streamUrl || output.streamUrl;
    // A ladder's asset is its manifest: its size and bitrate are not the media's
    const size = ladder ? ["Package", "a streaming ladder: its renditions follow once loaded"]
      : ["Size", [formatBytes(output.fileSize), sizeChange(output, source)].filter(Boolean).join(" · ")];
    this.describe(this.sides.output, output, [size,
      ["Cut", cut ? cutText(job, source, offset) : null],
    ], { bitrate: !ladder });
    this.dialog.dataset.offset = String(offset);
    say(this.status, cut ? "Play, pause or seek either side: the other follows (the output from the cut's start)."
      : "Play, pause or seek either side: the other follows.", "info", 0);
    this.dialog.showModal();
    this.sync?.stop();
    this.sync = new PlayerSync(this.sides.source.video, this.sides.output.video, offset);
    const sync = this.sync;
    const start = (s, url, ladder) => s.playback.show(url, { ladder });
    start(this.sides.source, source.streamUrl || source.mediaUrl, Boolean(source.streamUrl));
    start(this.sides.output, ladder || output.mediaUrl, Boolean(ladder))
      .then(() => this.sync === sync && ladder && this.showRenditions(this.sides.output));
    this.sides.source.video.addEventListener("loadedmetadata", () => {
      if (offset && this.sync === sync) this.sides.source.video.currentTime = offset; // at the cut
    }, { once: true });
  }

  // A ladder's renditions as its streaming player reads them from the manifest.
  showRenditions(s) {
    const tracks = s.playback.player?.getVariantTracks() ?? [];
    const seen = new Map(tracks.filter((t) => t.height).map((t) => [t.height, t]));
    const text = [...seen.values()].sort((a, b) => b.height - a.height)
      .map((t) => `${t.width}×${t.height} at ${kbps(t.bandwidth)}`).join(", ");
    const package_ = s.facts.querySelector("dd");
    if (text && package_) package_.textContent = `${seen.size} renditions: ${text}`;
  }

  describe(s, asset, first, { bitrate = true } = {}) {
    s.title.textContent = `${s.label}: ${asset.filename}`;
    s.video.setAttribute("aria-label", `${s.label} player: ${asset.filename}`);
    s.video.classList.toggle("audio-only", !asset.videoCodec);
    const facts = [...first, ["Bitrate", bitrate ? kbps(asset.bitrate) : null], ["Resolution", resolution(asset)],
      ["Codecs", codecs(asset)], ["Container", asset.container], ["Duration", formatTime(asset.duration)]];
    s.facts.replaceChildren(...facts.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  closed() {
    this.sync?.stop();
    this.sync = null;
    for (const s of Object.values(this.sides)) {
      s.video.pause();
      s.playback.clear();
    }
  }
}
