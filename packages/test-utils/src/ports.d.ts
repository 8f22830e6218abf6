/** A free TCP port on 127.0.0.1 (the OS picks it; released before returning). */
export function freePort(): Promise<number>;
