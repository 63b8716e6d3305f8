// Posters in the asset list: a small frame of each video, fetched only once its row is on
// screen (inside the list's own scroll area too); audio gets an icon; a failed image leaves
// an empty frame, never a broken-image glyph.

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = "150px"; // start fetching a little before a row scrolls into view

let observer = null;

function reveal(entries) {
  for (const { target, isIntersecting } of entries) {
    if (!target.isConnected) observer.unobserve(target); // its list was re-rendered
    if (!isIntersecting) continue;
    observer.unobserve(target);
    target.src = target.dataset.src;
  }
}

// Implicit root (the viewport): rows hidden by the list's overflow are clipped out of it.
const watching = () => (observer ??= new IntersectionObserver(reveal, { rootMargin: MARGIN }));

function audioIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [x, height] of [[3, 6], [7, 12], [11, 18], [15, 10], [19, 4]]) {
    const bar = document.createElementNS(SVG, "rect");
    for (const [name, value] of Object.entries({ x, y: 12 - height / 2, width: 2, height, rx: 1 })) {
      bar.setAttribute(name, String(value));
    }
    svg.append(bar);
  }
  return svg;
}

const frame = () => {
  const empty = document.createElement("span");
  empty.className = "asset-poster";
  return empty;
};

// What a row shows before its name: an image for video, an icon for audio, else an empty
// frame (a pending or broken file), so that every row's name starts at the same place.
export function poster(asset) {
  if (asset.posterUrl) {
    const image = document.createElement("img");
    Object.assign(image, { alt: "", decoding: "async", draggable: false, width: 64, height: 36 });
    image.className = "asset-poster";
    image.dataset.src = asset.posterUrl;
    image.addEventListener("error", () => { // an empty frame, not a broken-image glyph
      const empty = frame();
      empty.dataset.failed = "true";
      image.replaceWith(empty);
    });
    watching().observe(image);
    return image;
  }
  const empty = frame();
  if (asset.audioCodec && !asset.videoCodec) {
    empty.classList.add("audio");
    empty.append(audioIcon());
  }
  return empty;
}
