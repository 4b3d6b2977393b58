/** How long a notice stays in the status bar, in ms. */
export const NOTICE_MS = 5000;

/** A one-line notice in the status bar (`mail sent to bob`), shown for {@link NOTICE_MS}. */
export interface NoticeText {
  level: "info" | "error";
  text: string;
}

/** The status bar's notice: the latest one wins; `changed` runs when it appears or expires. */
export class Notice {
  private shown: NoticeText | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly changed: () => void) {}

  get current(): NoticeText | undefined {
    return this.shown;
  }

  show(level: NoticeText["level"], text: string): void {
    this.shown = { level, text };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.shown = undefined;
      this.changed();
    }, NOTICE_MS);
    this.timer.unref?.();
    this.changed();
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
