// Colour for the words a person should not miss on stderr ("error:"), only when stderr is a
// terminal: piped or captured output (the tests, CI logs, `2>file`) keeps exactly the plain text.
// chalk adds its own checks on top (FORCE_COLOR=0, --no-color, TERM=dumb, stdout not a terminal).
import { chalk } from "zx/core";

const onTerminal = (style: (text: string) => string) => (text: string) =>
  process.stderr.isTTY ? style(text) : text;

export const red = onTerminal(chalk.red);
export const green = onTerminal(chalk.green);
