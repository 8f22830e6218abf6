/**
 * An S3 client for a test in which the bucket must not be asked anything (bad input is refused
 * first): every request is counted and fails. `Client` is the client type the code under test
 * takes (test-utils does not depend on the SDK).
 */
export function refusingS3<Client>(): { readonly client: Client; readonly requests: () => number } {
  let requests = 0;
  const client = {
    send: async () => {
      requests += 1;
      throw new Error("no request expected");
    },
    destroy: () => {},
  };
  return { client: client as unknown as Client, requests: () => requests };
}
