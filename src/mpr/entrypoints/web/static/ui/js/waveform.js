// The timeline's waveform: an audio stream's peaks (fetched as JSON, computed once on the
// server) drawn on a canvas under the selection, playhead and trim handles. Loaded on first
// use, by the timeline, for an asset that has audio.

const FLOOR = 0.05; // quieter than this is not stretched to the full height (noise stays low)

export class WaveformView {
  constructor(track) {
    this.track = track;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "waveform";
    this.canvas.setAttribute("aria-hidden", "true");
    this.canvas.hidden = true;
    track.querySelector(".strip").after(this.canvas);
    this.data = null;
    this.asset = null;
  }

  // Fetch and draw the asset's waveform; a failure leaves the timeline as it was.
  async show(asset) {
    this.clear();
    this.asset = asset;
    this.canvas.dataset.state = "loading";
    try {
      const response = await fetch(asset.waveformUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`waveform: HTTP ${response.status}`);
      const data = await response.json();
      if (this.asset !== asset) return;
      this.data = data;
      this.draw();
    } catch {
      if (this.asset === asset) this.canvas.dataset.state = "failed";
    }
  }

  clear() {
    this.asset = null;
    this.data = null;
    this.canvas.hidden = true;
    delete this.canvas.dataset.state;
  }

  // Column by column, the extremes of the peaks under it, scaled to the loudest one.
  draw() {
    const peaks = this.data?.peaks;
    if (!peaks?.length) return;
    this.canvas.hidden = false; // measured as laid out (CSS gives a video's a band at the foot)
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    Object.assign(this.canvas, { width, height });
    const context = this.canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    context.fillStyle = getComputedStyle(this.canvas).color;
    const loudest = Math.max(FLOOR, ...peaks.map(([lo, hi]) => Math.max(-lo, hi)));
    const duration = this.asset.duration || this.data.duration;
    const span = Math.round(width * Math.min(1, this.data.duration / duration)); // audio may end early
    const middle = height / 2;
    for (let x = 0; x < span; x++) {
      const first = Math.floor((x * peaks.length) / span);
      const last = Math.max(first + 1, Math.floor(((x + 1) * peaks.length) / span));
      let lo = 0;
      let hi = 0;
      for (let i = first; i < last; i++) {
        lo = Math.min(lo, peaks[i][0]);
        hi = Math.max(hi, peaks[i][1]);
      }
      const top = middle - (hi / loudest) * middle;
      const bottom = middle - (lo / loudest) * middle;
      context.fillRect(x, Math.floor(top), 1, Math.max(ratio, bottom - top));
    }
    this.canvas.dataset.state = "drawn";
  }
}
