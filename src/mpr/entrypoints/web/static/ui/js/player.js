// Plays media in a <video>: a file directly, a ladder (an HLS or DASH package) through
// shaka-player, which is loaded only when a ladder is played. A ladder gets a rendition menu:
// Auto (adaptive) plus each height, and the menu says which height is playing.
import { h } from "./dom.js";

const SHAKA_URL = "/vendor/shaka-player.compiled.js";
const MANIFEST = /\.(m3u8|mpd)$/i;
let shakaLoaded = null;

// True for a ladder's main object (its file name is a manifest's).
export const isLadder = (filename) => MANIFEST.test(filename || "");

// shaka-player's compiled build, as a classic script (it defines window.shaka), loaded once.
function loadShaka() {
  shakaLoaded ??= new Promise((resolve, reject) => {
    const script = h("script", { src: SHAKA_URL });
    script.addEventListener("load", () => {
      window.shaka.polyfill.installAll();
      resolve(window.shaka);
    });
    script.addEventListener("error", () => {
      shakaLoaded = null;
      reject(new Error("the streaming player could not be loaded"));
    });
    document.head.append(script);
  });
  return shakaLoaded;
}

export class Playback {
  // video: the element; menu: a <select> for the renditions (hidden unless a ladder plays).
  constructor(video, menu, { onError = () => {} } = {}) {
    this.video = video;
    this.menu = menu;
    this.onError = onError;
    this.player = null;
    this.generation = 0;
    this.menu.hidden = true;
    this.menu.addEventListener("change", () => this.choose(this.menu.value));
  }

  // Play a file (its URL) or a ladder (its manifest's URL): the previous media is stopped.
  async show(url, { ladder = false } = {}) {
    const generation = ++this.generation;
    await this.detach();
    if (!ladder) {
      this.video.src = url;
      return;
    }
    try {
      const shaka = await loadShaka();
      if (generation !== this.generation) return;
      const player = new shaka.Player();
      this.player = player;
      player.addEventListener("error", (event) => this.failed(event.detail));
      player.addEventListener("variantchanged", () => this.renderMenu());
      player.addEventListener("adaptation", () => this.renderMenu());
      await player.attach(this.video);
      await player.load(url);
      if (generation === this.generation) this.renderMenu();
    } catch (error) {
      if (generation === this.generation) this.failed(error);
    }
  }

  // Stop what plays and empty the element.
  async clear() {
    this.generation++;
    await this.detach();
  }

  async detach() {
    this.menu.hidden = true;
    this.menu.replaceChildren();
    delete this.video.dataset.playerError;
    const player = this.player;
    this.player = null;
    if (player) await player.destroy().catch(() => {});
    this.video.removeAttribute("src");
    this.video.load();
  }

  failed(error) {
    const code = error?.code ? ` (shaka error ${error.code})` : "";
    this.video.dataset.playerError = `${error?.message || "playback failed"}${code}`;
    this.onError(new Error(`Cannot play this stream${code}.`));
  }

  // Auto lets the player adapt; a height pins the variant of that height.
  choose(value) {
    if (!this.player) return;
    if (value === "auto") {
      this.player.configure({ abr: { enabled: true } });
    } else {
      const track = this.player.getVariantTracks().find((t) => String(t.height) === value);
      if (!track) return;
      this.player.configure({ abr: { enabled: false } });
      this.player.selectVariantTrack(track, true);
    }
    this.renderMenu();
  }

  renderMenu() {
    if (!this.player) return;
    const tracks = this.player.getVariantTracks();
    const heights = [...new Set(tracks.map((t) => t.height).filter(Boolean))].sort((a, b) => b - a);
    const active = tracks.find((t) => t.active);
    const auto = this.player.getConfiguration().abr.enabled;
    const options = [h("option", { value: "auto" }, "Auto"),
      ...heights.map((height) => h("option", { value: String(height) }, `${height}p`))];
    this.menu.replaceChildren(...options);
    this.menu.value = auto ? "auto" : String(active?.height ?? "auto");
    this.menu.dataset.playing = active?.height ? String(active.height) : "";
    this.menu.title = active?.height ? `Playing ${active.height}p` : "";
    this.menu.hidden = heights.length === 0;
  }
}
