// The preset editor: a dialog where operators make, change, duplicate and delete their own
// presets; builtins are shown read-only. Saving goes through the API's mutations, so the
// API's validation decides, and its refusal is shown beside the field it names.
import { $, confirmAction, h, say } from "./dom.js";
import { createPreset, deletePreset, updatePreset } from "./preset_api.js";
import { FIELDS, fieldValue } from "./preset_fields.js";
import { summarize } from "./presets.js";

// graphql-core refusing a variable (a CRF of 3.5) names the field only in its message:
// "Variable '$input' has invalid value at .videoCrf: Int cannot represent ...".
const VARIABLE_AT = /^Variable '\$input' .*? at '?(?:input)?\.(\w+)/;
const NEW_PRESET = { container: "mp4", videoCodec: "libx264", videoCrf: 23, videoPreset: "medium",
  resolution: "1280x720", audioCodec: "aac", audioBitrate: "128k", audioChannels: 2 };

export class PresetEditor {
  // onSaved(preset or null) reloads the page's presets and resolves to the fresh list.
  constructor(dialog, { onSaved }) {
    this.dialog = dialog;
    this.onSaved = onSaved;
    this.presets = [];
    this.current = null; // the stored preset shown; null while a new one is drafted
    this.build();
  }

  build() {
    this.controls = new Map(FIELDS.map((field) => [field.name, control(field)]));
    this.pick = h("select", { id: "pe-pick", "aria-label": "Preset to show",
      onchange: () => this.show(this.byId(this.pick.value)) });
    this.note = h("p", { id: "pe-note", class: "pe-note" });
    this.summary = h("p", { id: "pe-summary", class: "hint" });
    this.status = h("p", { id: "pe-status", class: "hint", role: "status" });
    this.fieldset = h("fieldset", { class: "pe-fields" },
      h("legend", { class: "sr-only" }, "Settings"), FIELDS.map((field) => this.row(field)));
    this.saveButton = h("button", { type: "submit", class: "primary", id: "pe-save" }, "Save");
    this.duplicateButton = h("button", { type: "button", id: "pe-duplicate", onclick: () => this.duplicate() }, "Duplicate");
    this.deleteButton = h("button", { type: "button", id: "pe-delete", class: "danger", onclick: () => this.remove() }, "Delete");
    const form = h("form", { id: "preset-form", novalidate: true,
      onsubmit: (event) => { event.preventDefault(); this.save(); }, oninput: () => this.showSummary() },
    this.note, this.fieldset, this.summary, this.status,
    h("div", { class: "dialog-actions" }, this.duplicateButton, this.deleteButton, this.saveButton));
    this.dialog.replaceChildren(
      h("div", { class: "panel-head" }, h("h2", { id: "preset-dialog-title" }, "Presets"),
        h("div", {}, this.pick,
          h("button", { type: "button", id: "pe-new", onclick: () => this.startNew() }, "New preset"),
          h("button", { type: "button", onclick: () => this.dialog.close() }, "Close"))),
      form);
  }

  row(field) {
    const id = `pe-${field.name}`;
    return h("div", { class: `pe-field pe-${field.kind}` },
      h("label", { for: id }, field.label), this.controls.get(field.name),
      h("span", { id: `${id}-help`, class: "pe-help" }, field.help ?? ""),
      h("span", { id: `${id}-error`, class: "pe-error" }));
  }

  // Opens on a preset (the picker's) with every preset to choose from.
  open(presets, chosenId) {
    this.setPresets(presets);
    this.show(this.byId(chosenId) ?? presets[0] ?? null);
    this.dialog.showModal();
    this.pick.focus();
  }

  setPresets(presets) {
    this.presets = presets;
    const group = (label, items) => h("optgroup", { label },
      items.map((p) => h("option", { value: p.id }, p.name)));
    this.pick.replaceChildren(group("Builtin (read-only)", presets.filter((p) => p.isBuiltin)),
      group("Yours", presets.filter((p) => !p.isBuiltin)));
  }

  byId(id) {
    return this.presets.find((p) => p.id === id) ?? null;
  }

  // Shows a stored preset, or (draft) values for a new one.
  show(preset, { draft = false, note = null } = {}) {
    this.current = draft ? null : preset;
    this.clearErrors();
    for (const field of FIELDS) this.controls.get(field.name).value = preset?.[field.name] ?? "";
    this.pick.value = this.current?.id ?? "";
    const readOnly = Boolean(this.current?.isBuiltin);
    this.fieldset.disabled = readOnly;
    this.saveButton.hidden = readOnly;
    this.saveButton.textContent = this.current ? "Save changes" : "Create preset";
    this.deleteButton.hidden = !this.current || readOnly;
    this.duplicateButton.hidden = !this.current;
    this.note.textContent = note ?? (readOnly
      ? `${preset.name} is builtin and read-only: Duplicate makes your own copy to change.`
      : this.current ? `Your preset ${preset.name}: jobs made with it keep the settings they started with.`
        : "A new preset of your own.");
    this.showSummary();
  }

  startNew() {
    this.show(NEW_PRESET, { draft: true });
    this.controls.get("name").focus();
  }

  duplicate() {
    const source = this.current;
    const copy = { ...source, name: this.freeName(`${source.name}-copy`), isBuiltin: false };
    this.show(copy, { draft: true, note: `A copy of ${source.name}: change what you need, then Create preset.` });
    this.controls.get("name").focus();
  }

  freeName(base) {
    const taken = new Set(this.presets.map((p) => p.name));
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}-${n}`;
    return name;
  }

  values() {
    return Object.fromEntries(FIELDS.map((f) => [f.name, fieldValue(f, this.controls.get(f.name).value)]));
  }

  showSummary() {
    const made = summarize(this.values());
    this.summary.textContent = made ? `Makes: ${made}` : "";
  }

  async save() {
    this.clearErrors();
    this.saveButton.disabled = true;
    try {
      const input = this.values();
      const saved = this.current ? await updatePreset(this.current.id, input) : await createPreset(input);
      this.setPresets(await this.onSaved(saved));
      this.show(this.byId(saved.id) ?? saved);
      say(this.status, `Saved ${saved.name}.`, "ok", 8000);
    } catch (error) {
      this.showError(error);
    } finally {
      this.saveButton.disabled = false;
    }
  }

  async remove() {
    const preset = this.current;
    const sure = await confirmAction(`Delete ${preset.name}?`,
      "The preset is removed; jobs made with it keep their own copy of its settings.", "Delete");
    if (!sure) return;
    try {
      await deletePreset(preset.id);
      this.setPresets(await this.onSaved(null));
      this.show(this.presets[0] ?? null);
      say(this.status, `Deleted ${preset.name}.`, "ok", 8000);
    } catch (error) {
      this.showError(error);
    }
  }

  // The API's refusal beside the field it names (or under the form when it names none).
  showError(error) {
    const name = error.field ?? error.message?.match(VARIABLE_AT)?.[1] ?? null;
    const field = FIELDS.find((f) => f.name === name);
    if (!field) {
      say(this.status, error.message || String(error), "error", 0);
      return;
    }
    const input = this.controls.get(field.name);
    input.setAttribute("aria-invalid", "true");
    $(`#pe-${field.name}-error`, this.dialog).textContent = error.message;
    say(this.status, `Not saved: see ${field.label}.`, "error", 0);
    input.focus();
  }

  clearErrors() {
    for (const [name, input] of this.controls) {
      input.removeAttribute("aria-invalid");
      $(`#pe-${name}-error`, this.dialog).textContent = "";
    }
    say(this.status, "", "info", 0);
  }
}

function control(field) {
  const id = `pe-${field.name}`;
  const common = { id, name: field.name, "aria-describedby": `${id}-help ${id}-error` };
  if (field.kind === "choice") {
    return h("select", common, h("option", { value: "" }, field.none),
      field.choices.map((choice) => h("option", { value: choice }, choice)));
  }
  if (field.kind === "textarea") return h("textarea", { ...common, rows: 2 });
  return h("input", { ...common, autocomplete: "off", spellcheck: "false",
    inputmode: field.kind === "number" ? "decimal" : null });
}
