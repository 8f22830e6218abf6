import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";

/**
 * A loopback proxy in front of moto's S3 that gives ListObjectsV2 answers the ETags real S3 gives
 * SSE-KMS objects: not the MD5 of the content (moto gives MD5s; the core's moto test has a canary
 * for that). Single-part and multipart forms are kept. Everything else passes through unchanged.
 */
export async function startKmsEtagProxy(target: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", target);
      const headers = { ...request.headers };
      delete headers["accept-encoding"];
      const forward = httpRequest(url, { method: request.method, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => body.push(chunk));
        answer.on("end", () => {
          let payload = Buffer.concat(body);
          if (request.method === "GET" && url.searchParams.get("list-type") === "2") {
            payload = Buffer.from(
              payload
                .toString("utf8")
                .replace(
                  /<ETag>(&quot;|&#34;|")([0-9a-f]{32})(-\d+)?(&quot;|&#34;|")<\/ETag>/g,
                  (_all, open: string, md5: string, parts: string | undefined, close: string) =>
                    `<ETag>${open}${createHash("md5").update(`kms:${md5}`).digest("hex")}${parts ?? ""}${close}</ETag>`,
                ),
            );
          }
          const outHeaders = { ...answer.headers, "content-length": String(payload.length) };
          response.writeHead(answer.statusCode ?? 500, outHeaders);
          response.end(payload);
        });
      });
      forward.on("error", () => response.writeHead(502).end());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
