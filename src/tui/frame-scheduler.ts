/** Frames at most every this many ms under load (~60 fps). */
export const FRAME_INTERVAL_MS = 16;

/**
 * When the cockpit draws: only when something is dirty (no timer runs otherwise), at most
 * one frame per `intervalMs` under load, and at once (next turn of the event loop) for
 * urgent changes such as the focused pane's echo or a key's effect on the chrome.
 */
export class FrameScheduler {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private lastFrameAt = 0;
  private closed = false;

  /** `draw` composes and writes one frame; it must call {@link drawn}. */
  constructor(
    private readonly draw: () => void,
    private readonly now: () => number,
    private readonly intervalMs = FRAME_INTERVAL_MS,
  ) {}

  /** Asks for a frame: `urgent` ones come on the next turn, others within the frame cap. */
  schedule(urgent: boolean): void {
    if (this.closed) return;
    const wait = this.lastFrameAt + this.intervalMs - this.now();
    if (urgent || wait <= 0) {
      if (this.immediate) return;
      clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.draw();
      });
      return;
    }
    if (this.timer || this.immediate) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  /** A frame was just drawn (by the scheduler or directly). */
  drawn(): void {
    this.lastFrameAt = this.now();
  }

  /** Cancels pending frames; later calls to {@link schedule} do nothing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }
}
