import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in CloudFront endpoint on 127.0.0.1 that timestamps the first request after `expect()`
 * and answers CreateInvalidation with a valid response (the batch echoed back), so every client
 * measured finishes normally. Timestamps are performance.now() of this process, comparable with
 * the moment the client process was spawned.
 */
export interface TimingEndpoint {
  readonly url: string;
  /** Resolves with the time the next request arrives (rejects after `timeoutMs`). */
  expect(timeoutMs: number): Promise<number>;
  /** Requests seen since start, by method and path (for a sanity check). */
  readonly requests: string[];
  close(): Promise<void>;
}

const NAMESPACE = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
const FALLBACK_BATCH =
  "<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths><CallerReference>bench</CallerReference></InvalidationBatch>";

function invalidationXml(batch: string, status: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Invalidation xmlns="${NAMESPACE}"><Id>I2J0I21PCUYOIK</Id><Status>${status}</Status><CreateTime>2026-11-27T10:00:00.000Z</CreateTime>${batch}</Invalidation>`;
}

export async function startTimingEndpoint(): Promise<TimingEndpoint> {
  let waiter: ((at: number) => void) | undefined;
  const requests: string[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const at = performance.now();
    requests.push(`${request.method} ${request.url}`);
    const resolve = waiter;
    waiter = undefined;
    resolve?.(at);
    const match = /<InvalidationBatch[^>]*>[\s\S]*<\/InvalidationBatch>/.exec(body);
    const batch = match ? match[0].replace(/^<InvalidationBatch[^>]*>/, "<InvalidationBatch>") : FALLBACK_BATCH;
    const creating = request.method === "POST";
    response.writeHead(creating ? 201 : 200, {
      "content-type": "text/xml",
      "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
      ...(creating ? { location: `${request.url}/I2J0I21PCUYOIK` } : {}),
    });
    response.end(invalidationXml(batch, creating ? "InProgress" : "Completed"));
  };
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => handle(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    expect: (timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const mine = (at: number) => {
          clearTimeout(timer);
          resolve(at);
        };
        // unref: a run that never sends a request must not keep the benchmark alive for the timeout.
        const timer = setTimeout(() => {
          if (waiter === mine) waiter = undefined;
          reject(new Error(`no request reached the endpoint within ${timeoutMs} ms`));
        }, timeoutMs).unref();
        waiter = mine;
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
