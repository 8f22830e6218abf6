import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { requestUpstream } from "test-utils";

export interface Endpoint {
  readonly endpoint: string;
  requests: number;
  stop(): Promise<void>;
}

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A CloudFront that refuses every call with 403 AccessDenied, as it does for a role without
 * cloudfront:CreateInvalidation: the permanent permission failure.
 */
export async function startAccessDenied(): Promise<Endpoint> {
  const state = { requests: 0 };
  const server = await listen((req: IncomingMessage, res) => {
    state.requests++;
    req.resume();
    req.on("end", () => {
      res.writeHead(403, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
      res.end(
        '<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
          "<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/deploy/x " +
          "is not authorized to perform: cloudfront:CreateInvalidation</Message></Error>" +
          `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    });
  });
  return {
    endpoint: server.endpoint,
    get requests() {
      return state.requests;
    },
    stop: server.stop,
  };
}

/**
 * A fixed endpoint that forwards to a target that can change: the in-process Lambda builds its
 * clients once (at import, as in the real runtime), so each schedule's own fault proxy is put
 * behind this relay instead.
 *
 * CreateInvalidation requests are forwarded one at a time. The fault proxy's CallerReference
 * table (test-utils) is filled only when moto has answered, so two identical requests in flight at
 * once (a concurrent duplicate delivery) both reach moto, which has no idempotency, and moto makes
 * two invalidations where CloudFront would make one. Serializing here gives the proxy the answer
 * of the first before the second arrives, as CloudFront's own atomic check would.
 */
export async function startRelay(): Promise<Endpoint & { target: string }> {
  const state = { requests: 0, target: "" };
  let createQueue: Promise<unknown> = Promise.resolve();
  const server = await listen((req, res) => {
    state.requests++;
    const target = new URL(state.target);
    const forward = () =>
      new Promise<void>((done) => {
        const upstream = requestUpstream(req, target, (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
          response.on("end", () => done());
          response.on("error", () => done());
        });
        // The proxy behind dropped the connection: drop ours too, so the SDK sees the same reset.
        upstream.on("error", () => {
          req.socket.destroy();
          done();
        });
        req.pipe(upstream);
      });
    if (req.method === "POST" && /\/distribution\/[^/]+\/invalidation$/.test(req.url ?? "")) {
      req.pause();
      createQueue = createQueue.then(forward);
    } else {
      void forward();
    }
  });
  return {
    endpoint: server.endpoint,
    get requests() {
      return state.requests;
    },
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    stop: server.stop,
  };
}
