/** A running moto_server on loopback. */
export interface MotoProcess {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts moto_server on a free loopback port, sure that the port is its own, and waits until it answers. */
export function spawnMoto(options?: {
  /** Start moto in a process group of its own and stop the whole group. */
  readonly ownProcessGroup?: boolean;
  /** The port to try first (a test takes one to see the next one tried). */
  readonly firstPort?: number;
}): Promise<MotoProcess>;
