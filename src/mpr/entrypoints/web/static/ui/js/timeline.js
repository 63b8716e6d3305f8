// The timeline under the player: thumbnail strip, playhead, draggable in/out handles.
import { h } from "./dom.js";
import { formatTime } from "./format.js";
import { Storyboard } from "./storyboard.js";

const MIN_GAP = 0.1; // seconds between in and out
const THUMB_WIDTH = 96; // css pixels per thumbnail in the strip
const PREVIEW_WIDTH = 160; // css pixels of the hover preview (a storyboard tile's own width)

export class Timeline extends EventTarget {
  constructor(root, video) {
    super();
    this.root = root;
    this.video = video;
    this.track = root.querySelector(".track");
    this.strip = root.querySelector(".strip");
    this.selection = root.querySelector(".selection");
    this.playhead = root.querySelector(".playhead");
    this.handles = { in: root.querySelector(".handle.in"), out: root.querySelector(".handle.out") };
    this.asset = null;
    this.storyboard = null;
    this.preview = h("div", { class: "preview", hidden: true, "aria-hidden": "true" },
      h("span", { class: "preview-time" }));
    this.track.append(this.preview);
    this.duration = 0;
    this.step = 0.04;
    this.in = 0;
    this.out = 0;
    this.bind();
  }

  bind() {
    for (const [which, handle] of Object.entries(this.handles)) {
      handle.addEventListener("pointerdown", (e) => this.startDrag(e, which));
      handle.addEventListener("keydown", (e) => this.onKey(e, which));
    }
    this.track.addEventListener("pointerdown", (e) => {
      if (e.target.closest(".handle")) return;
      this.seek(this.timeAt(e.clientX));
    });
    this.track.addEventListener("pointermove", (e) => this.hover(e));
    this.track.addEventListener("pointerleave", () => { this.preview.hidden = true; });
    const follow = () => this.renderPlayhead();
    this.video.addEventListener("timeupdate", follow);
    this.video.addEventListener("seeked", follow);
    this.video.addEventListener("play", () => this.animate());
    new ResizeObserver(() => {
      if (this.asset) this.renderStrip();
      this.waveform?.draw();
    }).observe(this.track);
  }

  load(asset) {
    this.asset = asset;
    this.duration = asset.duration || 0;
    this.step = asset.framerate ? 1 / asset.framerate : 0.04;
    this.in = 0;
    this.out = this.duration;
    this.root.classList.toggle("audio-only", !asset.videoCodec);
    this.storyboard = null;
    this.preview.hidden = true;
    this.strip.replaceChildren();
    delete this.strip.dataset.asset;
    this.render();
    this.showWaveform(asset).catch(() => {}); // optional: the timeline works without it
    this.loadingStoryboard = Boolean(asset.storyboardUrl && asset.status === "ready");
    if (this.loadingStoryboard) this.loadStoryboard(asset);
    else this.renderStrip();
  }

  // One sprite sheet for the strip and the hover preview; without it, one image per thumbnail.
  async loadStoryboard(asset) {
    let storyboard = null;
    try {
      storyboard = await Storyboard.load(asset.storyboardUrl);
    } catch {
      // no storyboard: the strip falls back to one image per thumbnail
    }
    if (this.asset !== asset) return;
    this.storyboard = storyboard;
    this.loadingStoryboard = false;
    this.renderStrip();
  }

  // The audio's waveform under the handles; its module is fetched the first time one is shown.
  async showWaveform(asset) {
    this.waveform?.clear();
    if (!asset.waveformUrl) return;
    const { WaveformView } = await import("./waveform.js");
    if (this.asset !== asset) return;
    this.waveform ??= new WaveformView(this.track);
    await this.waveform.show(asset);
  }

  hover(event) {
    if (!this.storyboard || !this.duration || event.target.closest(".handle")) {
      this.preview.hidden = true;
      return;
    }
    const t = this.timeAt(event.clientX);
    const cue = this.storyboard.at(t);
    const height = Math.round((PREVIEW_WIDTH * cue.h) / cue.w);
    this.preview.style.width = `${PREVIEW_WIDTH}px`;
    this.preview.style.height = `${height}px`;
    this.storyboard.paint(this.preview, t, PREVIEW_WIDTH, height);
    const box = this.track.getBoundingClientRect();
    const left = clamp(event.clientX - box.left - PREVIEW_WIDTH / 2, 0, box.width - PREVIEW_WIDTH);
    this.preview.style.left = `${left}px`;
    this.preview.firstChild.textContent = formatTime(t);
    this.preview.hidden = false;
  }

  // The chosen segment; null ends mean "from the start" / "to the end".
  get trim() {
    const start = this.in > 0 ? round(this.in) : null;
    const end = this.out < this.duration ? round(this.out) : null;
    return { start, end };
  }

  setIn(seconds) {
    this.in = clamp(seconds, 0, Math.max(0, this.out - MIN_GAP));
    this.changed();
  }

  setOut(seconds) {
    this.out = clamp(seconds, Math.min(this.duration, this.in + MIN_GAP), this.duration);
    this.changed();
  }

  reset() {
    this.in = 0;
    this.out = this.duration;
    this.changed();
  }

  changed() {
    this.render();
    this.dispatchEvent(new CustomEvent("change", { detail: { in: this.in, out: this.out } }));
  }

  seek(seconds) {
    if (Number.isFinite(seconds)) this.video.currentTime = clamp(seconds, 0, this.duration);
    this.renderPlayhead();
  }

  timeAt(clientX) {
    const box = this.track.getBoundingClientRect();
    return clamp((clientX - box.left) / box.width, 0, 1) * this.duration;
  }

  xAt(seconds) {
    const box = this.track.getBoundingClientRect();
    return box.left + (this.duration ? seconds / this.duration : 0) * box.width;
  }

  startDrag(event, which) {
    event.preventDefault();
    const handle = this.handles[which];
    handle.focus();
    handle.setPointerCapture(event.pointerId);
    handle.classList.add("dragging");
    // Where on the handle it was grabbed: a handle beside its point (touch) does not jump.
    const grab = event.clientX - this.xAt(this[which]);
    const move = (e) => {
      const t = this.timeAt(e.clientX - grab);
      if (which === "in") this.setIn(t);
      else this.setOut(t);
      this.seek(which === "in" ? this.in : this.out);
    };
    const stop = () => {
      handle.classList.remove("dragging");
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", stop);
      handle.removeEventListener("pointercancel", stop);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
  }

  onKey(event, which) {
    const now = which === "in" ? this.in : this.out;
    const moves = {
      ArrowLeft: -this.step, ArrowRight: this.step, ArrowDown: -this.step, ArrowUp: this.step,
      PageDown: -10, PageUp: 10,
    };
    let target;
    const second = event.shiftKey && event.key.startsWith("Arrow"); // Shift+arrow: one second
    if (event.key in moves) target = now + (second ? Math.sign(moves[event.key]) : moves[event.key]);
    else if (event.key === "Home") target = 0;
    else if (event.key === "End") target = this.duration;
    else return;
    event.preventDefault();
    if (which === "in") this.setIn(target);
    else this.setOut(target);
    this.seek(which === "in" ? this.in : this.out);
  }

  render() {
    const pct = (t) => (this.duration ? (t / this.duration) * 100 : 0);
    this.selection.style.left = `${pct(this.in)}%`;
    this.selection.style.width = `${pct(this.out) - pct(this.in)}%`;
    this.handles.in.style.left = `${pct(this.in)}%`;
    this.handles.out.style.left = `${pct(this.out)}%`;
    for (const [which, handle] of Object.entries(this.handles)) {
      const value = this[which];
      handle.setAttribute("aria-valuemin", "0");
      handle.setAttribute("aria-valuemax", String(round(this.duration)));
      handle.setAttribute("aria-valuenow", String(round(value)));
      handle.setAttribute("aria-valuetext", formatTime(value));
    }
    this.renderPlayhead();
  }

  renderPlayhead() {
    const t = this.video.currentTime || 0;
    this.playhead.style.left = `${this.duration ? (t / this.duration) * 100 : 0}%`;
  }

  animate() {
    const frame = () => {
      this.renderPlayhead();
      if (!this.video.paused && !this.video.ended) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  renderStrip() {
    const asset = this.asset;
    if (this.loadingStoryboard) return; // drawn once the storyboard arrives (or fails)
    if (!asset?.videoCodec || !this.duration || asset.status === "missing") {
      this.strip.replaceChildren();
      return;
    }
    const count = clamp(Math.round(this.track.clientWidth / THUMB_WIDTH), 4, 16);
    if (this.strip.childElementCount === count && this.strip.dataset.asset === asset.id) return;
    this.strip.dataset.asset = asset.id;
    if (this.storyboard) {
      const width = this.track.clientWidth / count;
      const height = this.track.clientHeight;
      const tiles = Array.from({ length: count }, (_, i) => {
        const tile = h("span", { class: "tile" });
        this.storyboard.paint(tile, ((i + 0.5) / count) * this.duration, width, height);
        return tile;
      });
      this.strip.replaceChildren(...tiles);
      return;
    }
    const thumbs = Array.from({ length: count }, (_, i) => {
      const t = ((i + 0.5) / count) * this.duration;
      return h("img", {
        src: `/media/assets/${asset.id}/thumbnail?t=${t.toFixed(1)}&w=160`,
        alt: "", loading: "lazy", decoding: "async", draggable: "false",
      });
    });
    this.strip.replaceChildren(...thumbs);
  }
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round = (t) => Math.round(t * 1000) / 1000;
