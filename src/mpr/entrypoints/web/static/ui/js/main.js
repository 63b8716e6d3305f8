// Wires the Timeline UI together.
import { AssetList } from "./assets.js";
import { BatchBar, BatchProgressView } from "./batch.js";
import { removeAsset } from "./cleanup.js";
import { CompareView } from "./compare.js";
import { $, say } from "./dom.js";
import { Editor } from "./editor.js";
import { FirstRunHint } from "./first_run.js";
import { getAsset, listPresets, whoAmI } from "./api.js";
import { readLink, writeLink } from "./links.js";
import { SubscriptionClient } from "./gql.js";
import { JobsPanel } from "./jobs.js";
import { Playback } from "./player.js";
import { PresetEditor } from "./preset_editor.js";
import { UploadPanel } from "./uploads.js";

// Who is signed in decides which controls exist: a viewer gets no destructive ones.
const me = await whoAmI();
const permissions = new Set(me.permissions);
const can = (permission) => permissions.has(permission);
$("#who").textContent = `${me.name} · ${me.role}`;
for (const element of document.querySelectorAll("[data-needs]")) {
  if (can(element.dataset.needs)) continue;
  if (element.tagName === "TEXTAREA") element.readOnly = true;
  else element.hidden = true;
}

const notice = $("#notice");
const showError = (error) => say(notice, error.message || String(error), "error", 8000);

const connection = $("#connection");
const subscriptions = new SubscriptionClient({
  onState: (state) => {
    connection.textContent = state === "open" ? "live" : "polling";
    connection.dataset.state = state;
    jobs?.setLive(state === "open");
  },
});

const outputDialog = $("#output-dialog");
const outputPlayer = $("#output-player");
const outputPlayback = new Playback(outputPlayer, $("#output-renditions"), { onError: showError });
async function openOutput(job) {
  if (!job?.outputUrl) return;
  $("#output-title").textContent = job.outputFilename;
  outputPlayer.setAttribute("aria-label", `Output player: ${job.outputFilename}`);
  $("#output-download").href = `${job.outputUrl}?download=1`;
  outputDialog.showModal();
  await outputPlayback.show(job.streamUrl || job.outputUrl, { ladder: Boolean(job.streamUrl) });
  outputPlayer.play().catch(() => {});
}
outputDialog.addEventListener("close", () => {
  outputPlayer.pause();
  outputPlayback.clear();
});
$("#output-close").addEventListener("click", () => outputDialog.close());

const compare = new CompareView({ onError: showError, offer: $("#asset-compare") });
const jobs = new JobsPanel($("#jobs"), {
  subscriptions, onError: showError, can,
  // A finished job adds an output asset; "Play" opens it in the dialog.
  onOutputReady: (job, { play = false } = {}) => (play ? openOutput(job) : assets.load()),
  onShowAsset: (id) => showAsset(id),
  onCompare: (job) => compare.open(job),
});
// The first run: nothing registered, media waiting in the input folder: offer Scan.
const firstRun = new FirstRunHint($("#asset-list"), {
  scanButton: $("#scan"), scan: () => assets.scan(), onError: showError,
});
const assets = new AssetList($("#assets"), {
  onSelect: (asset) => { editor.show(asset); writeLink(asset); compare.offerFor(asset); }, onError: showError,
  onChanged: () => jobs.assetsChanged(),
});
// Batch work: checkboxes in the asset list, one preset on all; the jobs panel follows the batch.
if (can("create_job")) {
  const batchProgress = new BatchProgressView($("#jobs"), { onError: showError, onFinished: () => jobs.load() });
  const batchBar = new BatchBar(assets, {
    onError: showError,
    onStarted: (result, about) => { batchProgress.follow(result, about); jobs.load(); },
  });
  assets.onRendered = (list, shown) => batchBar.decorate(list, shown);
}
const editor = new Editor($("#editor"), {
  onJobCreated: (job) => jobs.add(job), onAssetChanged: (asset) => assets.patch(asset),
});
editor.timeline.addEventListener("change", () => writeLink(editor.asset, editor.timeline.trim));

// Opens an asset by id (a job's output, a deep link), with a segment when the link has one.
async function showAsset(id, { in: start = null, out: end = null } = {}) {
  const asset = await getAsset(id);
  if (!asset) {
    say(notice, "That asset no longer exists.", "error", 8000);
    writeLink(null);
    return;
  }
  assets.select(asset.id, asset);
  if (end !== null) editor.timeline.setOut(end);
  if (start !== null) editor.timeline.setIn(start);
  if (start !== null || end !== null) editor.timeline.seek(editor.timeline.in);
}

$("#asset-delete").addEventListener("click", async () => {
  const asset = editor.asset;
  try {
    const release = () => editor.hide();
    if (!(await removeAsset(asset, { release, restore: () => editor.show(asset) }))) return;
    writeLink(null);
    say($("#scan-result"), `Deleted ${asset.filename}.`, "ok");
    jobs.assetsChanged();
    await Promise.all([assets.load(), jobs.load()]);
  } catch (error) {
    showError(error);
  }
});

const uploads = new UploadPanel($("#uploads"), {
  onError: showError,
  // A registered upload is a ready asset: list it; jobs it started join the jobs panel.
  onUploaded: ({ jobIds }) => {
    assets.load();
    if (jobIds.length) jobs.load();
  },
});

// Optional browser notifications when a job completes or fails (asked for once, remembered).
const notify = $("#notify");
notify.checked = localStorage.getItem("mpr.notify") === "1" && window.Notification?.permission === "granted";
notify.addEventListener("change", async () => {
  const granted = notify.checked && (await window.Notification?.requestPermission()) === "granted";
  if (notify.checked && !granted) say(notice, "Notifications are blocked by the browser: allow them for this site first.", "error");
  notify.checked = granted;
  localStorage.setItem("mpr.notify", granted ? "1" : "0");
});
jobs.onStateChange = (before, job) => {
  if (!notify.checked || !["completed", "failed"].includes(job.status)) return;
  new Notification(`${job.outputFilename} ${job.status}`, { body: job.errorMessage ?? job.preset.name, tag: job.id });
};

// Operators edit presets in a dialog; what they save is chosen in the pickers at once.
const presetEditor = new PresetEditor($("#preset-dialog"), {
  onSaved: async (saved) => {
    const presets = await editor.loadPresets(saved?.id);
    if (can("upload")) uploads.setPresets(presets);
    return presets;
  },
});
for (const button of document.querySelectorAll("[data-opens=presets]")) {
  button.addEventListener("click", () => presetEditor.open(editor.presets ?? [], $("#preset").value));
}

subscriptions.connect().catch(() => jobs.setLive(false));
editor.loadPresets().catch(showError);
if (can("upload")) listPresets().then((p) => uploads.setPresets(p)).catch(showError);
await assets.load();
if (can("scan") && !assets.assets.length) await firstRun.check();
jobs.start();
const link = readLink();
if (link.asset) await showAsset(link.asset, link).catch(showError);

// Every control is wired: say so (scripts and tests wait for this before they click).
document.documentElement.dataset.ready = "true";
