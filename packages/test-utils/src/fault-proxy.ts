import { randomUUID } from "node:crypto";
import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

/** `req` sent on to `target` as a proxy does: same method, path and headers, the Host rewritten. */
export function requestUpstream(
  req: IncomingMessage,
  target: URL,
  onResponse: (response: IncomingMessage) => void,
): ClientRequest {
  const headers = { ...req.headers, host: target.host };
  return httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    onResponse,
  );
}

/** What the proxy can do to one request instead of (or besides) forwarding it. */
export type Fault =
  | "throttle" // 400 Throttling (CloudFront XML) / ThrottlingException (JSON): the SDK retries it
  | "http500"
  | "http503"
  | "too-many-invalidations" // 400 TooManyInvalidationsInProgress, only on CreateInvalidation
  | "slow" // forwarded after a delay
  | "reset-before" // connection dropped before the request reaches the target
  | "reset-after"; // forwarded, then the connection dropped: the target acted, the caller never heard

export const ALL_FAULTS: readonly Fault[] = [
  "throttle",
  "http500",
  "http503",
  "too-many-invalidations",
  "slow",
  "reset-before",
  "reset-after",
];

export interface FaultProxyOptions {
  /** `http://127.0.0.1:PORT` of moto_server or the CodePipeline stand-in. */
  readonly target: string;
  /** Seed of the schedule: the same seed and request order give the same faults. */
  readonly seed: number;
  /** Chance per request that a fault is injected (0..1). */
  readonly faultRate: number;
  /** Faults to draw from, uniformly. Default: all that apply to the request. */
  readonly faults?: readonly Fault[];
  /** Delay of a `slow` response. Default 200 ms. */
  readonly slowMs?: number;
  /** The target's wire protocol, for the shape of injected errors. */
  readonly protocol: "rest-xml" | "json";
  /**
   * Emulate CloudFront's CallerReference idempotency, which moto lacks: a CreateInvalidation whose
   * CallerReference was seen before gets the first answer again instead of reaching moto.
   * Without it a `reset-after` would make moto create a duplicate that real CloudFront would not.
   */
  readonly cloudFrontIdempotency?: boolean;
}

export interface FaultProxyStats {
  requests: number;
  forwarded: number;
  injected: Record<Fault, number>;
  /** CreateInvalidation requests answered from the idempotency table. */
  idempotentReplays: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly stats: FaultProxyStats;
  /** Stop injecting (e.g. to check the final state through the proxy). */
  setFaultRate(rate: number): void;
  stop(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, good enough for fault schedules. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function isCreateInvalidation(req: IncomingMessage): boolean {
  return req.method === "POST" && /\/distribution\/[^/]+\/invalidation$/.test(req.url ?? "");
}

function sendError(res: ServerResponse, protocol: "rest-xml" | "json", status: number, code: string, message: string) {
  if (protocol === "json") {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code });
    res.end(JSON.stringify({ __type: code, message }));
    return;
  }
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
  res.end(
    `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
      `<Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly paths: string;
}

/** Starts a fault-injecting HTTP proxy on a free 127.0.0.1 port in front of `target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  let faultRate = options.faultRate;
  const target = new URL(options.target);
  const stats: FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    injected: Object.fromEntries(ALL_FAULTS.map((fault) => [fault, 0])) as Record<Fault, number>,
    idempotentReplays: 0,
  };
  // A pending entry is set before forwarding, so a second create with the same reference that
  // arrives while the first is still at moto waits for its answer instead of creating again.
  const byCallerReference = new Map<string, Promise<StoredResponse | undefined>>();
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const upstream = requestUpstream(req, target, (response) => {
        readBody(response).then((responseBody) => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers)) {
            if (typeof value === "string" && key !== "transfer-encoding" && key !== "connection") headers[key] = value;
          }
          headers["content-length"] = String(responseBody.length);
          resolve({ status: response.statusCode ?? 502, headers, body: responseBody });
        }, reject);
      });
      upstream.on("error", reject);
      upstream.end(body);
    });

  const server = createServer(async (req, res) => {
    stats.requests += 1;
    const body = await readBody(req);
    const create = isCreateInvalidation(req);
    // Draw the fault before anything else so the schedule depends only on seed and request order.
    const applicable = (options.faults ?? ALL_FAULTS).filter((fault) => fault !== "too-many-invalidations" || create);
    const roll = random();
    const pick = random();
    const fault =
      roll < faultRate && applicable.length > 0 ? applicable[Math.floor(pick * applicable.length)] : undefined;
    if (fault) stats.injected[fault] += 1;

    if (fault === "reset-before") return req.socket.destroy();
    if (fault === "throttle")
      return sendError(
        res,
        options.protocol,
        400,
        options.protocol === "json" ? "ThrottlingException" : "Throttling",
        "Rate exceeded",
      );
    if (fault === "http500") return sendError(res, options.protocol, 500, "InternalFailure", "injected 500");
    if (fault === "http503") return sendError(res, options.protocol, 503, "ServiceUnavailable", "injected 503");
    if (fault === "too-many-invalidations")
      return sendError(
        res,
        options.protocol,
        400,
        "TooManyInvalidationsInProgress",
        "injected: too many invalidations in progress",
      );
    if (fault === "slow") await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 200));

    const text = body.toString("utf8");
    const callerReference = create ? /<CallerReference>([^<]*)<\/CallerReference>/.exec(text)?.[1] : undefined;
    const paths = create ? (/<Paths>[\s\S]*<\/Paths>/.exec(text)?.[0] ?? "") : "";
    let answer: { status: number; headers: Record<string, string>; body: Buffer };
    const idempotent = options.cloudFrontIdempotency === true && callerReference !== undefined;
    const stored = idempotent ? await byCallerReference.get(callerReference) : undefined;
    if (stored) {
      stats.idempotentReplays += 1;
      if (stored.paths !== paths) {
        return sendError(
          res,
          options.protocol,
          400,
          "InvalidationBatchAlreadyExists",
          "CallerReference reused with other paths",
        );
      }
      answer = stored;
    } else {
      const forwarded = forward(req, body);
      if (idempotent) {
        byCallerReference.set(
          callerReference,
          forwarded.then(
            (result) => (result.status < 300 ? { ...result, paths } : undefined),
            () => undefined,
          ),
        );
      }
      try {
        answer = await forwarded;
      } catch {
        return req.socket.destroy();
      }
      stats.forwarded += 1;
    }
    if (fault === "reset-after") return req.socket.destroy();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setFaultRate: (rate) => {
      faultRate = rate;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
