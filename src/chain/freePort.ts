import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1: the OS picks one, we release it and hand it to the process that will listen. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
