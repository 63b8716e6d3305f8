// The GraphQL documents of the preset editor: the API's own mutations, so its own validation.
import { gql } from "./gql.js";

export const PRESET_FIELDS = `id name description isBuiltin container videoCodec videoBitrate videoCrf
  videoPreset resolution framerate renditions audioCodec audioBitrate audioChannels audioSamplerate`;

export async function createPreset(input) {
  const data = await gql(`mutation($input: PresetInput!) { createPreset(input: $input) { ${PRESET_FIELDS} } }`,
    { input });
  return data.createPreset;
}

export async function updatePreset(id, input) {
  const data = await gql(
    `mutation($id: ID!, $input: PresetInput!) { updatePreset(id: $id, input: $input) { ${PRESET_FIELDS} } }`,
    { id, input });
  return data.updatePreset;
}

export async function deletePreset(id) {
  return (await gql("mutation($id: ID!) { deletePreset(id: $id) { ok } }", { id })).deletePreset;
}
