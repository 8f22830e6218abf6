import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A minimal CloudFront API on loopback, for what moto cannot show: an invalidation that stays
 * InProgress (moto completes them at once) and an AccessDenied. It speaks the REST-XML the SDK
 * parses, for CreateInvalidation and GetInvalidation only.
 */
export type StandInBehaviour = "stays-in-progress" | "access-denied";

export interface StandInRequest {
  readonly method: string;
  readonly url: string;
}

export interface CloudFrontStandIn {
  readonly endpoint: string;
  readonly requests: readonly StandInRequest[];
  close(): Promise<void>;
}

const NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

function invalidationXml(id: string, paths: readonly string[], callerReference: string): string {
  const items = paths.map((p) => `<Path>${p}</Path>`).join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="${NS}"><Id>${id}</Id><Status>InProgress</Status>` +
    `<CreateTime>2026-11-27T10:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>${paths.length}</Quantity>` +
    `<Items>${items}</Items></Paths><CallerReference>${callerReference}</CallerReference></InvalidationBatch></Invalidation>`
  );
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startCloudFrontStandIn(behaviour: StandInBehaviour): Promise<CloudFrontStandIn> {
  const requests: StandInRequest[] = [];
  const created = new Map<string, { paths: string[]; callerReference: string }>();
  let next = 1;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const text = await body(request);
    requests.push({ method: request.method ?? "", url: request.url ?? "" });
    if (behaviour === "access-denied") {
      response.writeHead(403, { "content-type": "text/xml" });
      response.end(
        `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
          "<Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudfront:CreateInvalidation</Message>" +
          "</Error><RequestId>stand-in</RequestId></ErrorResponse>",
      );
      return;
    }
    const createMatch = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(request.url ?? "");
    const getMatch = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/?]+)/.exec(request.url ?? "");
    if (request.method === "POST" && createMatch) {
      const id = `ISTANDIN${String(next++).padStart(6, "0")}`;
      const paths = [...text.matchAll(/<Path>(.*?)<\/Path>/g)].map((m) => m[1] ?? "");
      const callerReference = /<CallerReference>(.*?)<\/CallerReference>/.exec(text)?.[1] ?? "";
      created.set(id, { paths, callerReference });
      response.writeHead(201, {
        "content-type": "text/xml",
        location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${createMatch[1]}/invalidation/${id}`,
      });
      response.end(invalidationXml(id, paths, callerReference));
      return;
    }
    if (request.method === "GET" && getMatch) {
      const found = created.get(getMatch[2] ?? "");
      response.writeHead(found ? 200 : 404, { "content-type": "text/xml" });
      response.end(
        found
          ? invalidationXml(getMatch[2] ?? "", found.paths, found.callerReference)
          : `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>NoSuchInvalidation</Code><Message>not found</Message></Error></ErrorResponse>`,
      );
      return;
    }
    response.writeHead(400, { "content-type": "text/xml" });
    response.end(
      `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidArgument</Code><Message>stand-in does not serve ${request.method} ${request.url}</Message></Error></ErrorResponse>`,
    );
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
