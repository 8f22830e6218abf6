// Plain JavaScript, typed by moto-process.d.ts beside it, for the same reason as ports.js: the
// benchmarks run compiled JavaScript under node and start moto_server with this too.
import { spawn } from "node:child_process";
import { freePort } from "./ports.js";

/** How often a port taken by another process between `freePort` and moto's bind is tried anew. */
const BIND_ATTEMPTS = 5;
const START_TIMEOUT_MS = 30_000;

/**
 * Starts `moto_server` on a free loopback port and waits until it answers. The port is free when
 * `freePort` returns but may be taken before moto, a Python process, binds it (tests run in parallel
 * and the OS hands out recently freed ports), and an answer on the port alone could then come from
 * another test's server. So this waits for moto's own "Running on <endpoint>" line, and tries a new
 * port when moto says the port is in use.
 *
 * @param {{ ownProcessGroup?: boolean, firstPort?: number }} [options] ownProcessGroup: start moto in
 *   a process group of its own and stop the whole group (what a benchmark that spawns many processes
 *   wants); firstPort: the port to try first (a test takes one to see the next one tried).
 */
export async function spawnMoto(options = {}) {
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && options.firstPort !== undefined ? options.firstPort : await freePort();
    const started = await spawnMotoOn(port, options.ownProcessGroup === true);
    if (started !== "port-in-use") return started;
    if (attempt >= BIND_ATTEMPTS) throw new Error(`moto_server found its port taken ${attempt} times in a row`);
  }
}

/** @returns {Promise<import("./moto-process.d.ts").MotoProcess | "port-in-use">} */
async function spawnMotoOn(port, ownProcessGroup) {
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    detached: ownProcessGroup,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const signal = (name) => {
    try {
      // The group is the one created for moto_server (pyenv's shim execs into python).
      if (ownProcessGroup && child.pid !== undefined) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // already gone
    }
  };
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      signal("SIGTERM");
      setTimeout(() => signal("SIGKILL"), 3000).unref();
    });
  const endpoint = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      if (/in use/i.test(stderr)) return "port-in-use";
      throw new Error(`moto_server exited early (${child.exitCode}): ${stderr}`);
    }
    // Bound by this child (its own line), then answering: only then is the endpoint moto's.
    if (stderr.includes(`Running on ${endpoint}`)) {
      try {
        if ((await fetch(`${endpoint}/moto-api/`)).status < 500) return { endpoint, port, stop };
      } catch {
        // bound, not serving yet
      }
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
