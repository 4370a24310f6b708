// Errors from talking to BIRD. Each says which command or text it was about.

/** BIRD answered a command with an error code (8xxx runtime, 9xxx parse). */
export class BirdCommandError extends Error {
  override name = "BirdCommandError";
  constructor(
    readonly code: number,
    readonly birdMessage: string,
    readonly command: string,
    /** Lines received before the error line, if any. */
    readonly partial: { code: number; text: string }[] = [],
  ) {
    super(`BIRD rejected "${command}": ${String(code).padStart(4, "0")} ${birdMessage}`);
  }
}

/** The byte stream did not follow the reply framing (not a BIRD socket, or a desync). */
export class BirdProtocolError extends Error {
  override name = "BirdProtocolError";
}

/** A reply's text did not have the shape a parser expects (another BIRD version or command). */
export class BirdParseError extends Error {
  override name = "BirdParseError";
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message}: ${JSON.stringify(line.slice(0, 120))}`);
  }
}
