// Reading the engine's two kinds of streams: multiplexed stdout/stderr (exec, logs) and
// newline-delimited JSON progress (build, import, pull).
import { Readable, Writable } from "node:stream";
import type Docker from "dockerode";

export interface Demuxed {
  stdout: string;
  stderr: string;
  /** Both streams in the order the engine sent them, as a terminal would show them. */
  combined: string;
}

/**
 * Splits a multiplexed stream with dockerode's demuxer and resolves when it ends. For a TTY
 * (not multiplexed) stream the demuxer passes everything through as stdout.
 */
export function collectDemuxed(docker: Docker, stream: NodeJS.ReadableStream): Promise<Demuxed> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  // Records synchronously, so everything written is there when the source stream ends.
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        into.push(chunk);
        all.push(chunk);
        cb();
      },
    });
  return new Promise((resolve, reject) => {
    const done = () =>
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        combined: Buffer.concat(all).toString("utf8"),
      });
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", reject);
    docker.modem.demuxStream(stream, sink(out), sink(err));
  });
}

/** A complete multiplexed buffer (non-follow logs) as a stream, for the same demuxer. */
export function bufferStream(data: Buffer | string): Readable {
  return Readable.from([typeof data === "string" ? Buffer.from(data) : data]);
}

export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Follows a JSON-lines progress stream to its end. Rejects on an `error` event: the engine
 * reports a failed build or import inside a 200 response, not through the status code.
 */
export function followProgress(
  stream: NodeJS.ReadableStream,
  onEvent?: (e: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  let pending = "";
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    const handle = (line: string) => {
      if (!line.trim()) return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(line) as ProgressEvent;
      } catch {
        event = { stream: `${line}\n` };
      }
      events.push(event);
      onEvent?.(event);
      if (event.error || event.errorDetail?.message)
        fail(new Error(event.errorDetail?.message ?? event.error));
    };
    stream.on("data", (chunk: Buffer | string) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    stream.once("error", (err: Error) => fail(err));
    stream.once("end", () => {
      handle(pending);
      if (!failed) resolve(events);
    });
  });
}
