// Engine errors as LabErrors that say which operation on which object failed, keeping the HTTP
// status so callers can tell "not found" (404) and "conflict" (409, e.g. paused) apart.
import { LabError } from "../util/errors.ts";

export class DockerError extends LabError {
  override name = "DockerError";
  constructor(
    readonly operation: string,
    readonly target: string,
    readonly statusCode: number | undefined,
    detail: string,
    hint?: string,
  ) {
    super(`docker ${operation} ${target}: ${detail}`, hint);
  }
}

/** The engine's own message from a dockerode error, without dockerode's "(HTTP code 409) ..." prefix. */
export function engineMessage(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { json?: unknown; reason?: unknown; message?: unknown };
    const json = e.json as { message?: unknown } | string | null | undefined;
    if (json && typeof json === "object" && typeof json.message === "string") return json.message.trim();
    if (typeof json === "string" && json.trim()) return json.trim();
    if (typeof e.message === "string") return e.message.trim();
  }
  return String(err);
}

export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

export function toDockerError(operation: string, target: string, err: unknown): DockerError {
  if (err instanceof DockerError) return err;
  return new DockerError(operation, target, statusOf(err), engineMessage(err));
}
