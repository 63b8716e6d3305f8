// The GraphQL documents the Timeline UI uses.
import { gql } from "./gql.js";

const ASSET_FIELDS = `id filename status errorMessage location fileSize duration container
  videoCodec audioCodec width height framerate bitrate comments tags mediaUrl`;
export const JOB_FIELDS = `id status progress speed eta currentTime errorMessage outputFilename
  outputAssetId outputUrl sourceAssetId trimStart trimEnd attempts createdAt preset { name }`;

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
  return (await gql("mutation { scanMediaFolder { found registered skipped } }")).scanMediaFolder;
}

export async function listPresets() {
  return (await gql("query { presets { id name description isBuiltin container videoCodec resolution } }")).presets;
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

export async function listJobs(status) {
  const data = await gql(
    `query($status: String) { jobs(status: $status, limit: 50) { ${JOB_FIELDS} } }`,
    { status: status || null },
  );
  return data.jobs;
}

export async function jobAction(action, id) {
  const data = await gql(`mutation($id: ID!) { ${action}(id: $id) { ${JOB_FIELDS} } }`, { id });
  return data[action];
}

export const JOB_UPDATES = `subscription($id: ID!) { jobUpdates(id: $id) { ${JOB_FIELDS} } }`;
