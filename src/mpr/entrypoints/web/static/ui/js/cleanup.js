// Deleting an asset from the Timeline UI: asked first, refused by the server while jobs read it.
import { deleteAsset } from "./api.js";
import { confirmAction } from "./dom.js";

// What deleting does to the files, in the words of each store.
function consequence(asset) {
  if (asset.location === "output") return "Its file is deleted from the output store. This cannot be undone.";
  return "Its record and the jobs made from it are removed; the file stays in the input folder, "
    + "and a later Scan registers it again.";
}

// Resolves true once the asset is deleted; false when the person kept it. `release` lets go
// of the asset's media first (a player still reading a deleted file logs a 404), `restore`
// shows it again when the server refuses.
export async function removeAsset(asset, { release, restore }) {
  const sure = await confirmAction(`Delete ${asset.filename}?`, consequence(asset), "Delete");
  if (!sure) return false;
  release();
  try {
    await deleteAsset(asset.id);
  } catch (error) {
    restore();
    throw error;
  }
  return true;
}
