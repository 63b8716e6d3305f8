// A small GraphQL client: queries over fetch, subscriptions over graphql-transport-ws.

const ENDPOINT = "/graphql";

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.name = "GraphQLError";
    this.code = errors[0]?.extensions?.code ?? "UNKNOWN";
    this.field = errors[0]?.extensions?.field ?? null; // the input at fault, when one is
  }
}

export async function gql(query, variables = {}) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors?.length) {
    const error = new GraphQLError(body.errors);
    if (error.code === "UNAUTHENTICATED") location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw error;
  }
  return body.data;
}

// A query whose fields may fail one by one (a deleted asset): data and errors, never a throw
// for a field's error; a transport failure or a refusal of the whole request still throws.
export async function gqlPartial(query, variables = {}) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  const fatal = body.errors?.find((e) => e.extensions?.code !== "NOT_FOUND");
  if (!body.data && fatal) throw new GraphQLError(body.errors);
  return { data: body.data, errors: body.errors ?? [] };
}

// One WebSocket shared by every subscription; `onState` hears "open" / "closed".
export class SubscriptionClient {
  constructor({ onState = () => {} } = {}) {
    this.onState = onState;
    this.socket = null;
    this.ready = null;
    this.sinks = new Map();
    this.nextId = 1;
  }

  get url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${ENDPOINT}`;
  }

  connect() {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, "graphql-transport-ws");
      let acked = false;
      socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "connection_ack") {
          acked = true;
          this.onState("open");
          resolve(socket);
        } else {
          this.dispatch(message, socket);
        }
      });
      socket.addEventListener("close", () => {
        this.socket = null;
        this.ready = null;
        this.onState("closed");
        for (const sink of this.sinks.values()) sink.error?.(new Error("connection closed"));
        this.sinks.clear();
        if (!acked) reject(new Error("subscriptions unavailable"));
      });
      socket.addEventListener("error", () => {});
      this.socket = socket;
    });
    return this.ready;
  }

  dispatch(message, socket) {
    if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
      return;
    }
    const sink = this.sinks.get(message.id);
    if (!sink) return;
    if (message.type === "next") {
      if (message.payload.errors?.length) sink.error?.(new GraphQLError(message.payload.errors));
      else sink.next(message.payload.data);
    } else if (message.type === "error") {
      this.sinks.delete(message.id);
      sink.error?.(new GraphQLError(message.payload));
    } else if (message.type === "complete") {
      this.sinks.delete(message.id);
      sink.complete?.();
    }
  }

  // Subscribe; returns a function that stops the subscription.
  async subscribe(query, variables, sink) {
    const socket = await this.connect();
    const id = String(this.nextId++);
    this.sinks.set(id, sink);
    socket.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } }));
    return () => {
      if (this.sinks.delete(id) && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ id, type: "complete" }));
      }
    };
  }
}
