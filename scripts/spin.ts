// zx's spinner for a wait that prints nothing of its own, on a terminal only: it writes carriage
// returns to stderr and clears a stdout-wide line, noise in any log or captured output. The full
// zx module (about 200 ms to load) is loaded only when a spinner will show.
export async function whileWaiting<T>(title: string, wait: () => Promise<T>): Promise<T> {
  if (!(process.stderr.isTTY && process.stdout.isTTY)) return wait();
  const { spinner } = await import("zx");
  return spinner(title, wait);
}
