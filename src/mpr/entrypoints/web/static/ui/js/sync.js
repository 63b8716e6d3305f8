// Two <video> elements kept in step: play, pause, seek and rate of either drive the other.
// The output may be a cut of the source: its time 0 is the source's `offset`. Outside the
// cut's span the output waits paused at its nearer end, and rejoins when the source enters it.

const DRIFT = 0.2; // seconds the players may drift apart while playing before one is moved
const OWN_EVENT_MS = 1500; // how long an event the sync caused is waited for

export class PlayerSync {
  constructor(source, output, offset = 0) {
    this.source = source;
    this.output = output;
    this.offset = offset;
    this.caused = new Map(); // element -> Map(type -> when): the next such event is the sync's own
    this.abort = new AbortController();
    for (const [from, to] of [[source, output], [output, source]]) {
      const on = (type, fn) => from.addEventListener(type, () => {
        if (!this.own(from, type)) fn();
      }, { signal: this.abort.signal });
      on("play", () => this.played(from, to));
      on("pause", () => this.paused(from, to));
      on("seeking", () => this.follow(from, to));
      on("ratechange", () => { to.playbackRate = from.playbackRate; });
    }
    const { signal } = this.abort;
    source.addEventListener("timeupdate", () => this.keepUp(), { signal });
    // The later of the two to learn its length is placed where the other already is.
    source.addEventListener("loadedmetadata", () => this.follow(output, source), { signal });
    output.addEventListener("loadedmetadata", () => this.follow(source, output), { signal });
  }

  stop() {
    this.abort.abort();
    this.caused.clear();
  }

  // `from`'s time on `to`'s clock, and whether it falls within `to`'s media.
  place(from, to) {
    const t = from === this.source ? from.currentTime - this.offset : from.currentTime + this.offset;
    const end = Number.isFinite(to.duration) ? to.duration : Infinity;
    return { t: clamp(t, 0, end), inside: t >= 0 && t < end };
  }

  played(from, to) {
    const { inside } = this.place(from, to);
    if (to.paused && inside) this.drive(to, "play", () => to.play().catch(() => {}));
  }

  // A player that reached its end pauses by itself: the other plays on. Otherwise both stop
  // on the same frame, to be looked at side by side.
  paused(from, to) {
    if (from.ended) return;
    if (!to.paused) this.drive(to, "pause", () => to.pause());
    this.follow(from, to);
  }

  follow(from, to) {
    if (from.readyState < 1 || to.readyState < 1) return; // placed once both have metadata
    const { t, inside } = this.place(from, to);
    if (!inside && !to.paused) this.drive(to, "pause", () => to.pause());
    if (Math.abs(to.currentTime - t) > 0.01) this.drive(to, "seeking", () => { to.currentTime = t; });
  }

  // While the source plays, the output is where the source says, playing only within its span.
  keepUp() {
    const { source, output } = this;
    if (source.paused || source.seeking || output.seeking || output.readyState < 1) return;
    const { t, inside } = this.place(source, output);
    if (!inside) {
      if (!output.paused) this.drive(output, "pause", () => output.pause());
      return;
    }
    const off = Math.abs(output.currentTime - t);
    if (off > DRIFT || (output.paused && off > 0.01)) this.drive(output, "seeking", () => { output.currentTime = t; });
    if (output.paused && !output.ended) this.drive(output, "play", () => output.play().catch(() => {}));
  }

  drive(element, type, act) {
    if (!this.caused.has(element)) this.caused.set(element, new Map());
    this.caused.get(element).set(type, performance.now());
    act();
  }

  own(element, type) {
    const caused = this.caused.get(element);
    const at = caused?.get(type);
    if (at === undefined) return false;
    caused.delete(type);
    return performance.now() - at <= OWN_EVENT_MS;
  }
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
