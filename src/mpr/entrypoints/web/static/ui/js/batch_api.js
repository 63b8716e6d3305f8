// The GraphQL documents of batch work: start one preset on many assets, follow the batch.
import { gql } from "./gql.js";

const BATCH_FIELDS = `id total progress finished
  counts { pending processing completed failed cancelled }`;

// `input`: { presetId, assetIds } or { presetId, filter: { search, status, location } }.
export async function createJobs(input) {
  const data = await gql(
    `mutation($input: CreateJobsInput!) {
      createJobs(input: $input) { batchId jobs { id } refused { assetId filename reason code } }
    }`,
    { input },
  );
  return data.createJobs;
}

export async function getBatch(id) {
  return (await gql(`query($id: ID!) { batch(id: $id) { ${BATCH_FIELDS} } }`, { id })).batch;
}
