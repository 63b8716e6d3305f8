// Uploads from the browser over tus (tus-js-client, vendored, loaded as window.tus when first needed): drop files
// on the page or pick them, optionally name a preset, watch each file's progress, speed and
// time left; pause, resume, cancel. An upload cut by a reload or a dropped connection resumes
// from the server's offset when the same file is added again (tus-js-client keeps its URL in
// localStorage, keyed by the file's name, type, size and date).
import { $, h } from "./dom.js";
import { formatBytes, formatEta } from "./format.js";

const ENDPOINT = "/api/uploads/";

function serverMessage(error) {
  const body = error?.originalResponse?.getBody?.();
  try {
    return JSON.parse(body).error || error.message;
  } catch {
    return body || error.message || String(error);
  }
}

class UploadRow {
  constructor(file, { onCancel, onPause, onResume }) {
    this.started = performance.now();
    this.firstBytes = null;
    this.bar = h("progress", { max: "100", value: "0", "aria-label": `Upload of ${file.name}` });
    this.status = h("span", { class: "hint", role: "status" }, "starting…");
    this.pause = h("button", { type: "button", class: "pause", onclick: () => onPause() }, "Pause");
    this.resume = h("button", { type: "button", class: "resume", hidden: true,
                                onclick: () => onResume() }, "Resume");
    this.cancel = h("button", { type: "button", class: "cancel", onclick: () => onCancel() }, "Cancel");
    this.element = h("li", { class: "upload", dataset: { name: file.name, state: "uploading" } },
      h("span", { class: "upload-name" }, file.name), this.bar, this.status,
      h("span", { class: "upload-actions" }, this.pause, this.resume, this.cancel));
  }

  state(name, text) {
    this.element.dataset.state = name;
    if (text !== undefined) this.status.textContent = text;
    const active = name === "uploading";
    this.pause.hidden = !active;
    this.resume.hidden = name !== "paused" && name !== "failed";
    this.cancel.hidden = name === "done" || name === "cancelled";
  }

  progress(sent, total) {
    const now = performance.now();
    if (this.firstBytes === null) this.firstBytes = { at: now, sent };
    const seconds = (now - this.firstBytes.at) / 1000;
    const rate = seconds > 0.2 ? (sent - this.firstBytes.sent) / seconds : NaN;
    this.bar.value = total ? (100 * sent) / total : 0;
    const speed = Number.isFinite(rate) ? ` · ${formatBytes(rate)}/s · ${formatEta((total - sent) / rate)}` : "";
    this.status.textContent = `${formatBytes(sent)} of ${formatBytes(total)}${speed}`;
    this.element.dataset.sent = String(sent);
  }

  restartRate() {
    this.firstBytes = null;
  }
}

// The upload client (87 KB) is fetched when the first file is added, not with the page.
let tusLoaded = null;
function loadTus() {
  tusLoaded ??= new Promise((resolve, reject) => {
    const script = h("script", { src: "/vendor/tus.min.js" });
    script.addEventListener("load", () => resolve(window.tus));
    script.addEventListener("error", () => {
      tusLoaded = null;
      reject(new Error("The upload client could not be loaded; try again."));
    });
    document.head.append(script);
  });
  return tusLoaded;
}

export class UploadPanel {
  constructor(root, { onUploaded, onError }) {
    this.root = root;
    this.onUploaded = onUploaded;
    this.onError = onError;
    this.list = $("#upload-list", root);
    this.preset = $("#upload-preset", root);
    const picker = $("#upload-files", root);
    picker.addEventListener("change", () => {
      this.add(picker.files);
      picker.value = "";
    });
    // Files dropped anywhere on the page are uploaded.
    document.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types?.includes("Files")) return;
      event.preventDefault();
      root.dataset.dragging = "true";
    });
    document.addEventListener("dragleave", () => delete root.dataset.dragging);
    document.addEventListener("drop", (event) => {
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      delete root.dataset.dragging;
      this.add(event.dataTransfer.files);
    });
  }

  setPresets(presets) {
    this.preset.replaceChildren(h("option", { value: "" }, "no job"),
      ...presets.map((p) => h("option", { value: p.name }, p.name)));
  }

  add(files) {
    for (const file of files) this.start(file).catch((error) => this.onError(error));
  }

  async start(file) {
    const tus = await loadTus();
    const metadata = { filename: file.name };
    if (this.preset.value) metadata.presets = this.preset.value;
    let upload;
    const row = new UploadRow(file, {
      onPause: () => { upload.abort(); row.state("paused", "paused"); },
      onResume: () => { row.restartRate(); row.state("uploading", "resuming…"); upload.start(); },
      onCancel: async () => {
        row.state("cancelled", "cancelled");
        await upload.abort(true).catch(() => {});
      },
    });
    this.list.prepend(row.element);
    upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      metadata,
      chunkSize: Number(localStorage.getItem("mpr.uploadChunkBytes")) || Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => row.progress(sent, total),
      onError: (error) => row.state("failed", serverMessage(error)),
      onSuccess: ({ lastResponse }) => {
        const jobs = (lastResponse.getHeader("MPR-Job-Ids") || "").split(",").filter(Boolean);
        row.state("done", jobs.length ? `ready · ${jobs.length} job(s) started` : "ready");
        row.bar.value = 100;
        this.onUploaded({ assetId: lastResponse.getHeader("MPR-Asset-Id"), jobIds: jobs });
      },
    });
    const previous = await upload.findPreviousUploads();
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      row.element.dataset.resumed = "true";
    }
    upload.start();
  }
}
