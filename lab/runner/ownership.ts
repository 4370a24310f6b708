// Files the CLI writes in the runner container (reports, bench figures, rendered configs) land in
// the bind-mounted checkout as root: the lab needs root in there. On a Linux host with a rootful
// engine they would stay root's, and the user could not even delete them. After each forwarded
// command, files of root's in the checkout go to the checkout's owner. Docker Desktop's file
// sharing maps ownership itself (the checkout's owner reads as root there, so nothing happens).
import { Writable } from "node:stream";
import type Docker from "dockerode";
import { forward } from "./forward.ts";

/** A shell command (run as root in the container) handing root's files under `checkout` to the
 * checkout directory's owner, unless that owner is root. Stays on the checkout's file system:
 * the masked node_modules is a tmpfs of the container's. Symlinks themselves, not their targets. */
export function handBackCommand(checkout: string): string[] {
  const script = [
    'owner=$(stat -c %u:%g "$1")',
    'case "$owner" in 0:*) exit 0 ;; esac',
    'find "$1" -xdev -uid 0 -exec chown -h "$owner" {} +',
  ].join("\n");
  return ["sh", "-c", script, "sh", checkout];
}

/** Runs handBackCommand in the container; its exit code and what it printed. */
export async function handBackOutputs(
  docker: Docker,
  container: string,
  checkout: string,
): Promise<{ exitCode: number; output: string }> {
  let output = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      output += String(chunk);
      done();
    },
  });
  const exitCode = await forward({
    docker,
    container,
    argv: handBackCommand(checkout),
    workdir: checkout,
    stdout: sink,
    stderr: sink,
  });
  return { exitCode, output: output.trim() };
}
