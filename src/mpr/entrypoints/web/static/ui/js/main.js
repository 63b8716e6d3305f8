// Wires the Timeline UI together.
import { AssetList } from "./assets.js";
import { $, say } from "./dom.js";
import { Editor } from "./editor.js";
import { SubscriptionClient } from "./gql.js";
import { JobsPanel } from "./jobs.js";

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
function openOutput(job) {
  if (!job?.outputUrl) return;
  $("#output-title").textContent = job.outputFilename;
  $("#output-download").href = `${job.outputUrl}?download=1`;
  outputPlayer.src = job.outputUrl;
  outputDialog.showModal();
  outputPlayer.play().catch(() => {});
}
outputDialog.addEventListener("close", () => {
  outputPlayer.pause();
  outputPlayer.removeAttribute("src");
  outputPlayer.load();
});
$("#output-close").addEventListener("click", () => outputDialog.close());

const jobs = new JobsPanel($("#jobs"), {
  subscriptions, onError: showError,
  // A finished job adds an output asset; "Play" opens it in the dialog.
  onOutputReady: (job, { play = false } = {}) => (play ? openOutput(job) : assets.load()),
});
const assets = new AssetList($("#assets"), {
  onSelect: (asset) => editor.show(asset), onError: showError,
});
const editor = new Editor($("#editor"), {
  onJobCreated: (job) => jobs.add(job), onAssetChanged: (asset) => assets.patch(asset),
});

subscriptions.connect().catch(() => jobs.setLive(false));
editor.loadPresets().catch(showError);
assets.load();
jobs.start();
