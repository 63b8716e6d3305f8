// The preset editor's fields: the domain's editable fields (TranscodePreset), in its order.
// tests/unit/entrypoints/test_preset_editor_fields.py holds these lists equal to the domain's.

export const CONTAINERS = ["cmaf", "hls", "m4a", "mkv", "mov", "mp3", "mp4", "ogg", "webm"];
export const VIDEO_CODECS = ["copy", "libsvtav1", "libvpx-vp9", "libx264", "libx265"];
export const AUDIO_CODECS = ["aac", "copy", "libmp3lame", "libopus"];

// kind: text, textarea, number (sent as a number when it reads as one), or choice.
export const FIELDS = [
  { name: "name", label: "Name", kind: "text", help: "Letters, digits, '.', '_' or '-'" },
  { name: "description", label: "Description", kind: "textarea", help: "What it is for" },
  { name: "container", label: "Container", kind: "choice", choices: CONTAINERS,
    none: "keep the source's (copy only)" },
  { name: "videoCodec", label: "Video codec", kind: "choice", choices: VIDEO_CODECS, none: "no video" },
  { name: "videoBitrate", label: "Video bitrate", kind: "text", help: "e.g. 2500k or 5M; or a CRF" },
  { name: "videoCrf", label: "Video CRF", kind: "number", help: "Quality: lower is better (x264: 0-51)" },
  { name: "videoPreset", label: "Encoder speed", kind: "text", help: "x264/x265: veryfast…slow; VP9 0-8; AV1 0-13" },
  { name: "resolution", label: "Resolution box", kind: "text", help: "e.g. 1280x720: fit inside, never upscaled" },
  { name: "framerate", label: "Frame rate", kind: "number", help: "fps; empty keeps the source's" },
  { name: "renditions", label: "Renditions", kind: "text", help: "Ladders only: 1280x720@2800k,854x480@1400k" },
  { name: "audioCodec", label: "Audio codec", kind: "choice", choices: AUDIO_CODECS, none: "no audio" },
  { name: "audioBitrate", label: "Audio bitrate", kind: "text", help: "e.g. 128k" },
  { name: "audioChannels", label: "Audio channels", kind: "number", help: "1 mono, 2 stereo, 6 for 5.1" },
  { name: "audioSamplerate", label: "Sample rate", kind: "number", help: "Hz, e.g. 48000; empty keeps the source's" },
];

// What a field's control holds, as the API takes it: empty is null, numbers as numbers
// (anything else is sent as typed, so the API's own refusal names it).
export function fieldValue(field, text) {
  const value = text.trim();
  if (value === "") return field.name === "description" ? "" : null;
  if (field.kind !== "number") return value;
  const number = Number(value);
  return Number.isFinite(number) ? number : value;
}
