// Runs the graphql-http audit suite against a GraphQL endpoint and prints one JSON line
// per audit: {"id", "name", "status": "ok" | "warn" | "error", "reason"}.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs http://host:port/graphql");
  process.exit(2);
}
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const reason = result.status === "ok" ? "" : result.reason;
  console.log(JSON.stringify({ id: audit.id, name: audit.name, status: result.status, reason }));
}
