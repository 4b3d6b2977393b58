import type * as InkModule from "ink";
import { createElement, type ComponentProps, type ReactElement } from "react";

/**
 * Ink, loaded on first use instead of with the cockpit.
 *
 * Ink draws only the dialogs, views and notes of the chrome (pane frames and the status bar
 * are painted straight into cells, tui/cell-chrome.ts), yet with react-reconciler and
 * yoga's wasm it is ~450 kB of the cockpit bundle's ~700 kB, and compiling it was on the
 * path of a fresh hub's first frame. The cockpit modules import `Box` and `Text` from here:
 * stand-ins that render Ink's own components, which exist by the time anything renders,
 * because elements are only rendered through {@link inkRenderToString}, which is there only
 * once {@link loadInk} has resolved. The build puts Ink in a chunk of its own.
 */

type Ink = typeof InkModule;

let ink: Ink | undefined;
let loading: Promise<Ink> | undefined;

/**
 * Loads Ink once (later calls get the same promise), with chalk forced to full colour:
 * Ink's colours come from its own chalk, which decides its level once, at import, and a
 * cockpit always draws for a colour terminal. The variable is put back as soon as the
 * import settles so no agent started afterwards inherits it.
 */
export function loadInk(): Promise<Ink> {
  loading ??= (async () => {
    const hadForce = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = "3";
    try {
      ink = await import("ink");
      return ink;
    } finally {
      if (hadForce === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = hadForce;
    }
  })();
  return loading;
}

/**
 * Ink's `renderToString` (the element laid out `columns` cells wide, as ANSI text), or
 * `undefined` while Ink is not loaded yet.
 */
export function inkRenderToString(): Ink["renderToString"] | undefined {
  return ink?.renderToString;
}

function loaded(): Ink {
  if (!ink) throw new Error("Ink rendered before loadInk() resolved");
  return ink;
}

/** Ink's `<Box>` (see the module's doc: rendered only once Ink is loaded). */
export function Box(props: ComponentProps<Ink["Box"]>): ReactElement {
  return createElement(loaded().Box, props);
}

/** Ink's `<Text>` (see the module's doc: rendered only once Ink is loaded). */
export function Text(props: ComponentProps<Ink["Text"]>): ReactElement {
  return createElement(loaded().Text, props);
}
