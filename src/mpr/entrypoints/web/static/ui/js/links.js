// Deep links: the URL names the shown asset and the segment (?asset=ID&in=S&out=S).
import { parseTime } from "./format.js";

export function readLink() {
  const query = new URLSearchParams(location.search);
  const time = (name) => (query.has(name) ? parseTime(query.get(name)) : null);
  return { asset: query.get("asset"), in: time("in"), out: time("out") };
}

// Rewrites the address in place (no history entry per nudge of a handle).
export function writeLink(asset, { start, end } = {}) {
  const query = new URLSearchParams();
  if (asset) query.set("asset", asset.id);
  if (asset && start) query.set("in", String(start));
  if (asset && end !== null && end !== undefined) query.set("out", String(end));
  const search = query.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}
