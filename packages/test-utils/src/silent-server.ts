import { createServer, type Server, type Socket } from "node:net";

/** A stalled endpoint: see `startSilentServer`. */
export interface SilentServer {
  /** `http://127.0.0.1:<port>`, for an SDK's endpoint variable. */
  readonly endpoint: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Closes every connection and the server. */
  stop(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 (a free port) that accepts every connection and never writes a byte:
 * the endpoint that issue 14's deadlines are tested against (a TCP handshake succeeds, no answer
 * ever comes).
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => count,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
