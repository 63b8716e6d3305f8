// The GraphQL documents the Timeline UI uses.
import { gql, gqlPartial } from "./gql.js";

const ASSET_FIELDS = `id filename status errorMessage location fileSize duration container
  videoCodec audioCodec width height framerate bitrate comments tags mediaUrl streamUrl
  storyboardUrl posterUrl waveformUrl`;
export const JOB_FIELDS = `id status progress speed eta currentTime errorMessage warnings outputFilename
  outputAssetId outputUrl streamUrl sourceAssetId trimStart trimEnd attempts createdAt startedAt
  completedAt preset { name videoCodec audioCodec }`;

export async function whoAmI() {
  return (await gql("query { me { kind name role permissions } }")).me;
}

export async function listAssets({ search, status, location }) {
  const data = await gql(
    `query($search: String, $status: String, $location: String) {
      assets(search: $search, status: $status, location: $location, limit: 200) { ${ASSET_FIELDS} }
    }`,
    { search: search || null, status: status || null, location: location || null },
  );
  return data.assets;
}

export async function scanMedia() {
  return (await gql("mutation { scanMediaFolder { found registered skipped missing restored } }")).scanMediaFolder;
}

// Callers asking at the same time (the editor, the uploads and the batch bar, as the page
// opens) share one request; a call after it has answered asks again.
let presetsInFlight = null;

export function listPresets() {
  const fields = `id name description isBuiltin container videoCodec videoBitrate videoCrf videoPreset
    resolution framerate renditions audioCodec audioBitrate audioChannels audioSamplerate`;
  presetsInFlight ??= gql(`query { presets { ${fields} } }`)
    .then((data) => data.presets)
    .finally(() => { presetsInFlight = null; });
  return presetsInFlight;
}

export async function updateComments(id, comments) {
  const data = await gql(
    `mutation($id: ID!, $comments: String) {
      updateAsset(id: $id, input: { comments: $comments }) { id comments }
    }`,
    { id, comments },
  );
  return data.updateAsset;
}

export async function createJob(input) {
  const data = await gql(
    `mutation($input: CreateJobInput!) { createJob(input: $input) { ${JOB_FIELDS} } }`,
    { input },
  );
  return data.createJob;
}

export async function listJobs(status, limit = 50) {
  const data = await gql(
    `query($status: String, $limit: Int!) { jobs(status: $status, limit: $limit) { ${JOB_FIELDS} } }`,
    { status: status || null, limit },
  );
  return data.jobs;
}

// The completed job that made an output asset (however old), or null.
export async function jobOfOutput(assetId) {
  const data = await gql(
    `query($id: ID!) { jobs(outputAssetId: $id, status: "completed", limit: 1) { ${JOB_FIELDS} } }`,
    { id: assetId },
  );
  return data.jobs[0] ?? null;
}

export async function clearFinishedJobs(status) {
  const data = await gql("mutation($status: String) { clearFinishedJobs(status: $status) { removed } }",
    { status: status || null });
  return data.clearFinishedJobs.removed;
}

export async function deleteAsset(id) {
  return (await gql("mutation($id: ID!) { deleteAsset(id: $id) { ok } }", { id })).deleteAsset;
}

const BATCH = 25; // below the server's alias limit

// Assets by id, in batches of aliased lookups; a deleted one maps to null.
export async function assetsByIds(ids) {
  const found = new Map();
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const fields = batch.map((id, n) => `a${n}: asset(id: ${JSON.stringify(id)}) { ${ASSET_FIELDS} }`);
    let { data } = await gqlPartial(`query { ${fields.join(" ")} }`);
    // asset() is non-null: one unknown id nulls the whole answer, so ask one by one then
    if (!data) data = Object.fromEntries(await Promise.all(batch.map(async (id, n) =>
      [`a${n}`, (await gqlPartial(`query { a: asset(id: ${JSON.stringify(id)}) { ${ASSET_FIELDS} } }`)).data?.a])));
    batch.forEach((id, n) => found.set(id, data[`a${n}`] ?? null));
  }
  return found;
}

export async function getAsset(id) {
  return (await assetsByIds([id])).get(id);
}

export async function jobAction(action, id) {
  const data = await gql(`mutation($id: ID!) { ${action}(id: $id) { ${JOB_FIELDS} } }`, { id });
  return data[action];
}

export const JOB_UPDATES = `subscription($id: ID!) { jobUpdates(id: $id) { ${JOB_FIELDS} } }`;
