// tcpConnect: what it refuses before running anything (the address and port go into a bash
// script), and real connects on this host's loopback, entered through a command prefix as nsenter
// would be (`env` stands in for it, so no root is needed).
import { once } from "node:events";
import { createServer } from "node:net";
import test from "ava";
import { MAX_TCP_CONNECT_TIMEOUT_MS, tcpConnect } from "../../../lab/observe/tcp-connect.ts";

const HERE = ["env"] as const;

const badAddresses = [
  "10.0.0.1; echo injected",
  "999.1.1.1",
  "10.0.0",
  "localhost",
  "::1",
  "",
  "10.0.0.1/80",
];
for (const address of badAddresses) {
  test(`refuses the address ${JSON.stringify(address)}`, async (t) => {
    await t.throwsAsync(tcpConnect(HERE, address, 80, 500), {
      instanceOf: RangeError,
      message: /is not an IPv4 address/,
    });
  });
}

for (const port of [0, -1, 65536, 80.5, Number.NaN]) {
  test(`refuses the port ${port}`, async (t) => {
    await t.throwsAsync(tcpConnect(HERE, "127.0.0.1", port, 500), {
      instanceOf: RangeError,
      message: /bad port/,
    });
  });
}

for (const timeoutMs of [0, -5, MAX_TCP_CONNECT_TIMEOUT_MS + 1, Number.NaN]) {
  test(`refuses the timeout ${timeoutMs} ms`, async (t) => {
    await t.throwsAsync(tcpConnect(HERE, "127.0.0.1", 9, timeoutMs), {
      instanceOf: RangeError,
      message: /timeout/,
    });
  });
}

test("connects to a listener and times the connect; a closed port is refused", async (t) => {
  const server = createServer((s) => s.end()).listen(0, "127.0.0.1");
  t.teardown(() => server.close());
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const open = await tcpConnect(HERE, "127.0.0.1", port, 2000);
  t.true(open.ok, JSON.stringify(open));
  t.true((open.ms ?? -1) >= 0 && (open.ms ?? Number.POSITIVE_INFINITY) < 1000, `connect took ${open.ms} ms`);
  server.close();
  await once(server, "close");
  const refused = await tcpConnect(HERE, "127.0.0.1", port, 2000);
  t.like(refused, { ok: false, ms: null });
  t.regex(refused.error ?? "", /refused/i);
});
