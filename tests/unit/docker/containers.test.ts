// Container options, error mapping and stream handling, against fakes of the engine API.
import { Readable } from "node:stream";
import test from "ava";
import Docker from "dockerode";
import { createOptions } from "../../../lab/docker/container-spec.ts";
import { ContainerControl, sinceParam, toState } from "../../../lab/docker/containers.ts";
import { DockerError, engineMessage, toDockerError } from "../../../lab/docker/errors.ts";
import { bufferStream, collectDemuxed, followProgress } from "../../../lab/docker/streams.ts";
import { LabError } from "../../../lab/util/errors.ts";

/** A client that never connects: only its modem's demuxer is used. */
const offline = new Docker({ socketPath: "/nonexistent/docker.sock" });

/** One frame of Docker's multiplexed stream: type byte, 3 zero bytes, big-endian length, payload. */
function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** An error shaped like dockerode's (docker-modem sets statusCode, reason and json). */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    reason: "unexpected",
    json: { message },
  });
}

test("run options: network mode none, labels, env, binds, caps, sysctls", (t) => {
  const o = createOptions({
    name: "r1",
    image: "xsite/bird:2.0.12",
    cmd: ["bird", "-f"],
    binds: ["/srv/r1/bird.conf:/etc/bird/bird.conf:ro"],
    labels: { "xsite.lab": "t" },
    env: { A: "1" },
    capAdd: ["NET_ADMIN"],
    sysctls: { "net.ipv4.ip_forward": "1" },
  });
  t.is(o.name, "r1");
  t.deepEqual(o.Cmd, ["bird", "-f"]);
  t.deepEqual(o.Env, ["A=1"]);
  t.deepEqual(o.Labels, { "xsite.lab": "t" });
  t.is(o.HostConfig?.NetworkMode, "none");
  t.deepEqual(o.HostConfig?.CapAdd, ["NET_ADMIN"]);
  t.false(o.HostConfig?.Privileged);
  t.deepEqual(o.HostConfig?.Sysctls, { "net.ipv4.ip_forward": "1" });
  t.false("Entrypoint" in o, "the image's entrypoint is kept unless given");
});

test("run options: any network mode other than none is refused", (t) => {
  for (const mode of ["host", "bridge", "container:x"]) {
    const spec = { name: "r1", image: "i", networkMode: mode as "none" };
    t.throws(() => createOptions(spec), { instanceOf: LabError, message: /not allowed/ });
  }
});

test("run options: bad names and relative binds are refused", (t) => {
  t.throws(() => createOptions({ name: "-x", image: "i" }), { instanceOf: LabError });
  t.throws(() => createOptions({ name: "a b", image: "i" }), { instanceOf: LabError });
  t.throws(() => createOptions({ name: "r1", image: "i", binds: ["conf:/etc/bird"] }), { message: /bind/ });
});

test("since is sent as seconds.nanoseconds", (t) => {
  t.is(sinceParam(new Date(1_700_000_000_123)), "1700000000.123000000");
  t.is(sinceParam(1_700_000_000), "1700000000.000000000");
  t.is(sinceParam(new Date(5)), "0.005000000");
  t.throws(() => sinceParam(Number.NaN), { instanceOf: LabError });
});

test("container state: Docker's zero time is 'never'", (t) => {
  const state = toState({
    State: {
      Status: "exited",
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 137,
      Error: "",
      StartedAt: "2026-01-02T03:04:05.123456789Z",
      FinishedAt: "0001-01-01T00:00:00Z",
    },
  } as Docker.ContainerInspectInfo);
  t.is(state.exitCode, 137);
  t.false(state.running);
  t.is(state.startedAt?.toISOString(), "2026-01-02T03:04:05.123Z");
  t.is(state.finishedAt, undefined);
});

test("engine errors keep the engine's message, the operation, the target and the status", (t) => {
  const e = toDockerError("pause", "r1", engineError(409, "Container r1 is not running"));
  t.true(e instanceof LabError);
  t.is(e.message, "docker pause r1: Container r1 is not running");
  t.is(e.statusCode, 409);
  t.is(engineMessage(new Error("socket hang up")), "socket hang up");
  t.is(engineMessage({ json: "plain text body\n" }), "plain text body");
});

test("demux splits stdout and stderr and keeps their order", async (t) => {
  const raw = Buffer.concat([frame(1, "out1\n"), frame(2, "err1\n"), frame(1, "out2\n")]);
  // Split mid-header and mid-payload, as sockets do.
  const chunks = [raw.subarray(0, 3), raw.subarray(3, 11), raw.subarray(11)];
  const got = await collectDemuxed(offline, Readable.from(chunks));
  t.is(got.stdout, "out1\nout2\n");
  t.is(got.stderr, "err1\n");
  t.is(got.combined, "out1\nerr1\nout2\n");
});

test("demux passes a TTY (unframed) stream through as stdout", async (t) => {
  const got = await collectDemuxed(offline, bufferStream("plain tty output\n"));
  t.is(got.stdout, "plain tty output\n");
  t.is(got.stderr, "");
});

test("progress streams: events in order, an error event rejects", async (t) => {
  const ok = Readable.from(['{"stream":"Step 1/3"}\n{"sta', 'tus":"done"}\n']);
  const events = await followProgress(ok);
  t.deepEqual(events, [{ stream: "Step 1/3" }, { status: "done" }]);
  const bad = Readable.from([
    '{"stream":"Step 1/3"}\n',
    '{"errorDetail":{"message":"pull access denied"},"error":"x"}\n',
  ]);
  await t.throwsAsync(followProgress(bad), { message: "pull access denied" });
});

/** A ContainerControl over a fake engine whose container methods fail as scripted. */
function controlWith(methods: Record<string, () => Promise<unknown>>): ContainerControl {
  const fake = { getContainer: () => methods, modem: offline.modem } as unknown as Docker;
  return new ContainerControl(fake);
}

test("304 (already started/stopped) counts as success", async (t) => {
  const c = controlWith({
    stop: () => Promise.reject(engineError(304, "")),
    start: () => Promise.reject(engineError(304, "")),
  });
  await t.notThrowsAsync(c.stop("r1"));
  await t.notThrowsAsync(c.start("r1"));
});

test("remove: a missing container fails unless ignoreMissing", async (t) => {
  const c = controlWith({ remove: () => Promise.reject(engineError(404, "No such container: r9")) });
  const err = await t.throwsAsync(c.remove("r9"), { instanceOf: DockerError });
  t.is(err.message, "docker remove r9: No such container: r9");
  await t.notThrowsAsync(c.remove("r9", { ignoreMissing: true }));
});

test("exec in a paused container is a DockerError with status 409", async (t) => {
  const c = controlWith({
    exec: () => Promise.reject(engineError(409, "Container r1 is paused, unpause the container before exec")),
  });
  const err = await t.throwsAsync(c.exec("r1", ["birdc", "show", "status"]), { instanceOf: DockerError });
  t.is(err.statusCode, 409);
  t.regex(err.message, /^docker exec "birdc show status" in r1: Container r1 is paused/);
});

test("logs are demultiplexed into one text", async (t) => {
  const raw = Buffer.concat([frame(2, "<INFO> Started\n"), frame(1, "hello\n")]);
  const c = controlWith({ logs: () => Promise.resolve(raw) });
  t.is(await c.logs("r1", { tail: 2 }), "<INFO> Started\nhello\n");
});

test("an empty exec command is refused before reaching the engine", async (t) => {
  const c = controlWith({});
  await t.throwsAsync(c.exec("r1", []), { instanceOf: LabError, message: /empty command/ });
});
