// Presets in words: what a preset makes, and which one fits an asset.

const CODECS = {
  libx264: "H.264", libx265: "H.265", "libvpx-vp9": "VP9", libsvtav1: "AV1", "libaom-av1": "AV1",
  aac: "AAC", libmp3lame: "MP3", libopus: "Opus", libvorbis: "Vorbis", flac: "FLAC", copy: "copy",
};
const codec = (name) => CODECS[name] ?? name;
const CHANNELS = { 1: "mono", 2: "stereo", 6: "5.1" };

// "H.264 · fit in 1280×720 · CRF 23 · AAC 128k stereo · mp4"
export function summarize(preset) {
  if (!preset) return "";
  const video = preset.videoCodec === "copy" ? "video copied"
    : preset.videoCodec ? [codec(preset.videoCodec), preset.resolution ? `fit in ${preset.resolution.replace("x", "×")}` : "source size",
      preset.videoCrf !== null && preset.videoCrf !== undefined ? `CRF ${preset.videoCrf}` : preset.videoBitrate ? `${preset.videoBitrate}b/s` : null,
      preset.framerate ? `${preset.framerate} fps` : null].filter(Boolean).join(" ")
      : "no video";
  const audio = preset.audioCodec === "copy" ? "audio copied"
    : preset.audioCodec ? [codec(preset.audioCodec), preset.audioBitrate, CHANNELS[preset.audioChannels],
      preset.audioSamplerate ? `${preset.audioSamplerate / 1000} kHz` : null].filter(Boolean).join(" ")
      : "no audio";
  return [video, audio, preset.container].filter(Boolean).join(" · ");
}

const needsVideo = (preset) => Boolean(preset.videoCodec) && preset.videoCodec !== "copy";

// The preset to keep for an asset, or a better default when the chosen one cannot encode it.
export function fitting(presets, chosen, asset) {
  if (!chosen || asset.videoCodec || !needsVideo(chosen)) return chosen;
  return presets.find((p) => p.name === "aac-audio") ?? presets.find((p) => !p.videoCodec) ?? chosen;
}
