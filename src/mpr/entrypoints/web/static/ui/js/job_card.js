// One job's card: what it makes from what, its progress, its results or its whole error.
import { h } from "./dom.js";
import { formatBytes, formatDuration, formatEta, formatSpeed, formatTime } from "./format.js";

export const ACTIVE = new Set(["pending", "processing"]);

// Causes MPR can name from ffmpeg's or its own words, and what to do about each.
const HINTS = [
  [/unknown encoder|encoder not found/i, "This ffmpeg has no such encoder: choose another preset, or install an ffmpeg built with it."],
  [/no such file|not in the (input )?store|is missing|file is gone/i, "The source's file is gone: put it back in the input folder, press Scan, then retry."],
  [/invalid data found|moov atom not found|could not find codec parameters/i, "The source is damaged or is not media ffmpeg can read: check the file, or export it again."],
  [/timed? ?out|timeout/i, "The job ran longer than MPR_JOB_TIMEOUT allows: raise it, or transcode a shorter segment."],
  [/no space left/i, "The output store's disk is full: free some space, then retry."],
  [/permission denied/i, "MPR may not read or write a file there: check the folder's permissions."],
  [/not divisible by 2/i, "The encoder needs even dimensions: pick a preset with a resolution box."],
];

export function hintFor(message) {
  return HINTS.find(([pattern]) => pattern.test(message ?? ""))?.[1] ?? null;
}

const seconds = (from, to) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null);

// Size change of the output against the source's same span (the whole file, or the trimmed part).
export function sizeChange(output, source) {
  if (!output?.fileSize || !source?.fileSize || !source.duration || !output.duration) return null;
  const share = Math.min(1, output.duration / source.duration);
  const change = output.fileSize / (source.fileSize * share) - 1;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${Math.abs(Math.round(change * 100))}% vs source${share < 0.99 ? " (same span)" : ""}`;
}

// The facts of a completed job: size, change, duration, bitrate, time taken and speed.
function results(job, source, output) {
  if (job.status !== "completed") return null;
  const took = seconds(job.startedAt, job.completedAt);
  const speed = took && output?.duration ? output.duration / took : null;
  const facts = [
    ["Output", output === null ? "deleted" : null],
    ["Size", output ? [formatBytes(output.fileSize), sizeChange(output, source)].filter(Boolean).join(" · ") : null],
    ["Duration", output ? formatTime(output.duration) : null],
    ["Bitrate", output?.bitrate ? `${Math.round(output.bitrate / 1000)} kb/s` : null],
    ["Took", took !== null ? `${took < 60 ? `${took.toFixed(1)} s` : formatDuration(took)}${speed ? ` at ${formatSpeed(speed)} realtime` : ""}` : null],
  ].filter(([, value]) => value);
  return h("dl", { class: "job-results" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function failure(job) {
  if (!job.errorMessage) return null;
  const hint = job.status === "failed" ? hintFor(job.errorMessage) : null;
  return h("div", { class: "job-failure" },
    h("pre", { class: "job-error" }, job.errorMessage),
    hint ? h("p", { class: "job-hint" }, hint) : null);
}

// What ffmpeg or the output check noticed (decode errors, an early copy cut), as plain text.
function warningList(warnings) {
  if (!warnings?.length) return null;
  return h("details", { class: "job-warnings" },
    h("summary", {}, warnings.length === 1 ? "1 warning" : `${warnings.length} warnings`),
    h("ul", {}, warnings.map((warning) => h("li", {}, warning))));
}

// A source that cannot be read again (deleted, or its file gone) makes Retry pointless.
export const sourceGone = (source) => source === null || source?.status === "missing";

function actions(job, source, output, can) {
  const what = `job ${source?.filename ?? job.outputFilename} to ${job.preset.name}`;
  const button = (action, label, cls = "") => h("button", {
    type: "button", class: cls, dataset: { action }, "aria-label": `${label} ${what}`,
  }, label);
  const out = [];
  if (ACTIVE.has(job.status) && can("cancel_job")) out.push(button("cancelJob", "Cancel", "danger"));
  const ended = job.status === "failed" || job.status === "cancelled";
  if (ended && can("retry_job") && !sourceGone(source)) out.push(button("retryJob", "Retry"));
  if (ended && sourceGone(source)) out.push(h("span", { class: "hint" }, "Source gone: no retry"));
  if (job.status === "completed" && job.outputUrl) {
    out.push(button("play", "Play"));
    if (!sourceGone(source) && output !== null) out.push(button("compare", "Compare"));
    // a ladder downloads as one ZIP of its package, named by the server
    const ladder = Boolean(job.streamUrl);
    out.push(h("a", { class: "button", href: `${job.outputUrl}?download=1`, download: ladder ? "" : job.outputFilename,
      "aria-label": `${ladder ? "Download ZIP" : "Download"}: the output of ${what}` }, ladder ? "Download ZIP" : "Download"));
    if (job.outputAssetId) {
      out.push(h("a", { class: "button", href: `?asset=${job.outputAssetId}`, dataset: { action: "showOutput" },
        "aria-label": `Show asset: the output of ${what}` }, "Show asset"));
    }
  }
  return out;
}

function trimText(job) {
  if (job.trimStart === null && job.trimEnd === null) return "whole file";
  return `${formatTime(job.trimStart ?? 0)} → ${job.trimEnd !== null ? formatTime(job.trimEnd) : "end"}`;
}

// `source` / `output`: the assets (undefined while unknown, null when deleted).
export function jobCard(job, { source, output, can }) {
  const progress = Math.round(job.progress);
  const from = source === undefined ? "" : source === null ? " · source deleted" : ` · from ${source.filename}`;
  return h("li", { class: "job", dataset: { job: job.id, status: job.status } },
    h("div", { class: "job-head" },
      h("span", { class: "job-name", title: job.outputFilename }, job.outputFilename),
      h("span", { class: `badge status-${job.status}` }, job.status)),
    h("div", { class: "job-sub" }, `${job.preset.name} · ${trimText(job)}${from}`),
    h("div", {
      class: "progress", role: "progressbar", "aria-label": `Progress of ${job.outputFilename}`,
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(progress),
    }, h("div", { class: "bar", style: `width:${progress}%` })),
    h("div", { class: "job-stats" },
      h("span", { class: "job-progress" }, `${progress}%`),
      job.status === "processing" ? h("span", {}, formatSpeed(job.speed)) : null,
      job.status === "processing" ? h("span", {}, formatEta(job.eta)) : null,
      job.attempts > 1 ? h("span", {}, `attempt ${job.attempts}`) : null),
    results(job, source, output),
    failure(job),
    warningList(job.warnings),
    h("div", { class: "job-actions" }, actions(job, source, output, can)));
}
