// Formatting and parsing of times, sizes and rates for display.

const pad = (n, width = 2) => String(n).padStart(width, "0");

// Seconds as hh:mm:ss.mmm.
export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--:--.---";
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

// "hh:mm:ss.mmm", "mm:ss.mmm" or plain seconds; null when the text is not a time.
export function parseTime(text) {
  const value = String(text).trim();
  if (!/^(\d+:){0,2}\d+(\.\d{1,3})?$/.test(value)) return null;
  return value.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

// A short duration for lists: 1:05, 1:02:03.
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "—";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit ? 1 : 0)} ${units[unit]}`;
}

export function formatEta(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  return `${formatDuration(seconds)} left`;
}

export function formatSpeed(speed) {
  return Number.isFinite(speed) ? `${speed.toFixed(speed < 10 ? 2 : 1)}×` : "";
}
