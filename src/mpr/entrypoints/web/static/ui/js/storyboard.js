// A video's storyboard: the WebVTT that maps time ranges to tiles of one sprite sheet
// (`sprite.jpg#xywh=x,y,w,h`), fetched once per asset and drawn as CSS backgrounds.

const CUE_TIME = /^(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})$/;
const seconds = (h, m, s, ms) => Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;

// The cues of a storyboard WebVTT: [{ start, end, url, x, y, w, h }], URLs made absolute.
export function parseStoryboard(text, baseUrl) {
  const lines = text.split(/\r?\n/);
  const cues = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const time = CUE_TIME.exec(lines[i].trim());
    if (!time) continue;
    const [url, box] = lines[i + 1].trim().split("#xywh=");
    const [x, y, w, h] = (box || "").split(",").map(Number);
    if (![x, y, w, h].every(Number.isFinite)) continue;
    cues.push({ start: seconds(...time.slice(1, 5)), end: seconds(...time.slice(5, 9)),
      url: new URL(url, baseUrl).href, x, y, w, h });
  }
  return cues;
}

export class Storyboard {
  constructor(cues) {
    this.cues = cues;
    this.width = Math.max(...cues.map((c) => c.x + c.w)); // the sprite sheet's size
    this.height = Math.max(...cues.map((c) => c.y + c.h));
  }

  static async load(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`storyboard: HTTP ${response.status}`);
    const cues = parseStoryboard(await response.text(), new URL(url, location.href));
    if (!cues.length) throw new Error("storyboard: no cues");
    return new Storyboard(cues);
  }

  // The cue whose range holds t (the last one past the end).
  at(t) {
    return this.cues.find((c) => t >= c.start && t < c.end) ?? this.cues[this.cues.length - 1];
  }

  // Paint the tile at t on an element of the given size, covering it (centred, cropped).
  paint(element, t, width, height) {
    const cue = this.at(t);
    const scale = Math.max(width / cue.w, height / cue.h);
    const dx = (width - cue.w * scale) / 2 - cue.x * scale;
    const dy = (height - cue.h * scale) / 2 - cue.y * scale;
    element.style.backgroundImage = `url("${cue.url}")`;
    element.style.backgroundSize = `${this.width * scale}px ${this.height * scale}px`;
    element.style.backgroundPosition = `${dx}px ${dy}px`;
    element.dataset.tile = `${cue.x},${cue.y}`;
  }
}
