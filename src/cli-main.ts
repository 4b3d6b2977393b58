import { CommanderError, type Command } from "commander";
import { describeError, exitCodeFor, isFlotillaError } from "./core/errors.js";
import { sanitizeLine } from "./core/sanitize.js";

/**
 * Runs `program` (see `program.ts`) on `argv`, as the CLI does: user mistakes print one line
 * and exit 1, never a stack trace.
 */
export async function main(program: Command, argv: string[] = process.argv): Promise<void> {
  endQuietlyOnClosedOutput();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (outputClosed || isBrokenPipe(error)) return; // the reader went away (| head): not an error
    process.stderr.write(`flotilla: ${sanitizeLine(describeError(error))}\n`);
    if (!isFlotillaError(error) && process.env.FLOTILLA_DEBUG) console.error(error);
    process.exitCode = exitCodeFor(error);
  }
  if (outputClosed) process.exit(); // nothing more can be shown; do not wait for timers
}

let outputClosed = false;

/**
 * A closed stdout or stderr (`flotilla mail check | head -2`) ends the command quietly: the
 * write error is swallowed here instead of surfacing as an uncaught EPIPE stack trace, and
 * the command sees its write fail (so `mail check` marks nothing more read).
 */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (isBrokenPipe(error)) outputClosed = true;
    });
  }
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}
