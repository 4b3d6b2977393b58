/**
 * Modes of a pane's child that xterm tracks without exposing them (DECTCEM cursor
 * visibility, SGR mouse encoding, DECSCUSR cursor shape), watched on xterm's parser.
 */
import type { Terminal as XTerminal } from "@xterm/headless";
import type { ChildInputModes } from "./input.js";

/** The modes a child program set that matter to input encoding and to the cockpit. */
export interface PaneModes extends ChildInputModes {
  applicationKeypadMode: boolean;
  insertMode: boolean;
  originMode: boolean;
  wraparoundMode: boolean;
  synchronizedOutputMode: boolean;
  /** DECTCEM (`CSI ?25 h/l`). */
  cursorVisible: boolean;
}

/**
 * Watches the sequences that set the modes xterm keeps private; its hooks return false so
 * xterm still handles every sequence itself.
 */
export class PrivateModes {
  /** DECTCEM off (`CSI ?25 l`). */
  cursorHidden = false;
  /** SGR mouse encoding (`CSI ?1006 h`). */
  sgrMouse = false;
  /** DECSCUSR shape 0..6 (see `PaneScreen.cursorShape`). */
  shape = 0;

  constructor(term: XTerminal) {
    const onMode = (set: boolean) => (params: (number | number[])[]) => {
      for (const p of params) {
        if (p === 25) this.cursorHidden = !set;
        else if (p === 1006) this.sgrMouse = set;
      }
      return false;
    };
    term.parser.registerCsiHandler({ prefix: "?", final: "h" }, onMode(true));
    term.parser.registerCsiHandler({ prefix: "?", final: "l" }, onMode(false));
    const reset = (): boolean => {
      this.cursorHidden = false;
      this.sgrMouse = false;
      this.shape = 0;
      return false;
    };
    term.parser.registerCsiHandler({ intermediates: " ", final: "q" }, (params) => {
      const p = params[0];
      const shape = typeof p === "number" ? p : 0;
      if (shape >= 0 && shape <= 6) this.shape = shape;
      return false;
    });
    term.parser.registerEscHandler({ final: "c" }, reset);
    term.parser.registerCsiHandler({ intermediates: "!", final: "p" }, () => {
      this.cursorHidden = false;
      return false;
    });
  }
}
