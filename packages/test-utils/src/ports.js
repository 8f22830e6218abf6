// Plain JavaScript, typed by ports.d.ts beside it: the benchmarks run as compiled JavaScript under
// node (no TypeScript loader), and this is the one module of test-utils they load, through the
// "./ports" export, so that the tests and the benchmarks share one freePort.
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (the OS picks it; released before returning). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
