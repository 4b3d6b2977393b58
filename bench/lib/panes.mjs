import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * Pane programs, written as small bash scripts so tmux and flotilla run byte-for-byte the
 * same thing. A "gated" pane prints READY, then blocks reading one line from the shared
 * `go` FIFO; the harness writes one line per pane to release them all at one instant.
 * Both FIFOs are opened read-write (which never blocks on Linux); the `tick` FIFO is never
 * written, so `read -t` on it is a sleep without forking.
 */
export class PaneScripts {
  /** @param {string} dir a private temp directory */
  constructor(dir) {
    this.dir = dir;
    this.goFifo = path.join(dir, "go.fifo");
    this.tickFifo = path.join(dir, "tick.fifo");
    execFileSync("mkfifo", [this.goFifo, this.tickFifo]);
    // Held open so lines written before a pane starts reading wait in the pipe.
    this.goFd = openSync(this.goFifo, "r+");
    this.count = 0;
  }

  /** Releases `n` gated panes at once. */
  release(n) {
    writeSync(this.goFd, "go\n".repeat(n));
  }

  /** Closes the harness's end of the FIFO. */
  close() {
    closeSync(this.goFd);
  }

  write(body) {
    const file = path.join(this.dir, `pane-${this.count++}.sh`);
    writeFileSync(file, `exec 3<>'${this.goFifo}' 4<>'${this.tickFifo}'\n${body}\n`);
    return file;
  }

  /** Blocks until released, cats `file`, prints DONE, then idles. */
  gatedCat(file) {
    return this.write(
      `printf 'READY\\n'\nread -r -u 3 _\ncat '${file}'\nprintf '\\033[0m\\nDONE\\n'\nexec sleep 1000000`,
    );
  }

  /** `cat` reading the keyboard: the tty echoes each typed byte, cat repeats each line. */
  echoCat() {
    return this.write(`printf 'READY\\n'\nexec cat`);
  }

  /** Blocks until released, then prints `perSecond` colored lines a second, forever. */
  gatedTicker(perSecond = 100) {
    const stepUs = Math.round(1e6 / perSecond);
    return this.write(`printf 'READY\\n'
read -r -u 3 _
i=0
next=\${EPOCHREALTIME/./}
while :; do
  i=$((i+1))
  printf '\\033[3%dmtick %d\\033[0m the quick brown fox jumps over the lazy dog %d\\n' $((i%7+1)) $i $next
  next=$((next+${stepUs}))
  now=\${EPOCHREALTIME/./}
  wait_us=$((next-now))
  if ((wait_us > 0)); then printf -v t '%d.%06d' $((wait_us/1000000)) $((wait_us%1000000)); read -r -t $t -u 4 _; fi
done`);
  }

  /**
   * Prints `n` numbered lines of about 90 columns with a colored number (agent-like output,
   * filling scrollback), then FILLED, then idles.
   */
  filledIdle(n = 10_000) {
    return this.write(
      `awk 'BEGIN { for (i = 1; i <= ${n}; i++) printf "\\033[3%dm%05d\\033[0m lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\\n", i % 7 + 1, i }'\nprintf 'FILLED\\n'\nexec sleep 1000000`,
    );
  }

  /** Prints READY, then idles. */
  readyIdle() {
    return this.write(`printf 'READY\\n'\nexec sleep 1000000`);
  }
}

/** Shell command line running pane script `file`. */
export function paneCommand(file) {
  return ["bash", "--norc", "--noprofile", file];
}
