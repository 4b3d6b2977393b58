import type { ReactElement } from "react";
import type { BindingSpec, CockpitCommand, HelpSection, Keymap } from "../core/keymap.js";
import { splitKeys } from "../core/keys.js";
import type { Rect, ViewSize } from "../core/layout.js";
import type { HubEvent } from "../hub/protocol.js";
import type { AnyView } from "./views/registry.js";
import {
  isCockpitEffect,
  type CockpitEffect,
  type ViewContext,
  type ViewOpen,
  type ViewServices,
  type ViewStep,
} from "./views/view.js";

/** What the host needs from the cockpit. */
export interface ViewHostOwner {
  /** The panes as they are now, for views to read. */
  facts(): Pick<ViewContext, "agents" | "focus">;
  /** A view opened, closed or changed state: re-place it and redraw. */
  changed(): void;
  /** Performs an effect only the cockpit can (close is the host's own). */
  run(effect: Exclude<CockpitEffect, { type: "close" }>): void;
}

/** The open view; a fresh object per state, so late async results can tell. */
interface OpenView {
  view: AnyView;
  state: never;
}

/**
 * Runs the cockpit's views (`views/registry.ts`): opens one by its opener command, feeds it
 * keys and hub events, performs its effects (its own asynchronously, applying their updates
 * only while it is still open) and tells the painter what to draw. At most one is open.
 */
export class ViewHost {
  private open: OpenView | undefined;
  private readonly helpSections: HelpSection[];

  constructor(
    private readonly views: readonly AnyView[],
    private readonly services: ViewServices,
    private readonly keymap: Keymap,
    private readonly now: () => number,
    private readonly owner: ViewHostOwner,
  ) {
    this.helpSections = views.flatMap((view) =>
      view.title ? [{ heading: view.title, bindings: uniqueCommands(view.bindings) }] : [],
    );
  }

  /** The prefix bindings of views that bring their own opener key (`view:<id>` commands). */
  static openerBindings(views: readonly AnyView[]): BindingSpec[] {
    return views.flatMap((view) => {
      const opener = view.opener;
      if (!opener || !("key" in opener)) return [];
      const { key, description, hint } = opener;
      const command = `view:${view.id}` as const;
      return [{ context: "prefix", command, keys: [key], description, ...(hint ? { hint } : {}) }];
    });
  }

  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Mouse events are ignored while a modal view is open. */
  get modal(): boolean {
    return this.open?.view.modal === true;
  }

  /**
   * Opens the view `command` opens, or the confirm view when the keymap marks `command` as
   * needing confirmation. False when `command` is not a view's.
   */
  runCommand(command: CockpitCommand): boolean {
    const view = this.views.find((v) =>
      !v.opener
        ? false
        : "command" in v.opener
          ? v.opener.command === command
          : `view:${v.id}` === command,
    );
    const confirm = this.keymap.bindings.some((b) => b.command === command && b.confirm === true);
    const target = view ?? (confirm ? this.views.find((v) => v.id === "confirm") : undefined);
    if (!target) return false;
    this.openView(target, view ? undefined : command);
    return true;
  }

  /** A chunk of keys for the open view, one whole key at a time. */
  keys(data: string): void {
    for (const key of splitKeys(data)) {
      const open = this.open;
      if (!open) return;
      this.step(open, open.view.key(open.state, key, this.context()));
    }
  }

  /** A hub event (not pane output) for the open view. */
  event(event: HubEvent): void {
    const open = this.open;
    const step = open?.view.onEvent?.(open.state, event, this.context());
    if (open && step) this.step(open, step);
  }

  /** The size the open view wants; undefined when none is open. */
  size(): ViewSize | undefined {
    return this.open?.view.size(this.open.state, this.context());
  }

  /** The open view's cache key and element, for the chrome painter. */
  drawing(): { key: string; element: (rect: Rect) => ReactElement } | undefined {
    const open = this.open;
    if (!open) return undefined;
    const ctx = this.context();
    const key = `${open.view.id}:${open.view.cacheKey(open.state)}`;
    return { key, element: (rect) => open.view.element(open.state, rect, ctx) };
  }

  /** The open view's status-bar hints, if it has its own. */
  hints(): string | undefined {
    return this.open ? this.open.view.hints?.(this.open.state) : undefined;
  }

  private context(): ViewContext {
    const { keymap, services, helpSections } = this;
    return { ...this.owner.facts(), now: this.now(), keymap, services, helpSections };
  }

  /** Opens at once when `open` is synchronous, so the rest of a key chunk reaches it. */
  private openView(view: AnyView, arg: CockpitCommand | undefined): void {
    const fail = (error: unknown) => this.notice(`${view.id}: ${describeError(error)}`);
    const opened = (result: ViewOpen<never, never>): void => {
      const open = result.state === undefined ? undefined : { view, state: result.state };
      if (open) this.setOpen(open);
      this.effects(open, result.effects ?? []);
    };
    try {
      const result = view.open(this.context(), arg);
      if (result instanceof Promise) result.then(opened, fail);
      else opened(result);
    } catch (error) {
      fail(error);
    }
  }

  private step(open: OpenView, step: ViewStep<never, never>): void {
    if (this.open === open) this.setOpen({ view: open.view, state: step.state });
    this.effects(this.open, step.effects ?? []);
  }

  private setOpen(open: OpenView | undefined): void {
    this.open = open;
    this.owner.changed();
  }

  /** Runs effects of `open` (the view as it is now): the cockpit's, or the view's own. */
  private effects(open: OpenView | undefined, effects: ReadonlyArray<{ type: string }>): void {
    for (const effect of effects) {
      if (!isCockpitEffect(effect)) {
        if (open?.view.perform) void this.perform(open.view, effect as never);
      } else if (effect.type === "close") {
        if (this.open) this.setOpen(undefined);
      } else this.owner.run(effect);
    }
  }

  private async perform(view: AnyView, effect: never): Promise<void> {
    try {
      const after = await view.perform!(effect, this.context());
      const open = this.open;
      if (after?.update && open?.view === view)
        this.setOpen({ view, state: after.update(open.state) });
      this.effects(this.open, after?.effects ?? []);
    } catch (error) {
      this.notice(describeError(error));
    }
  }

  private notice(text: string): void {
    this.owner.run({ type: "notice", level: "error", text });
  }
}

/** One binding per command (help lists a key once even when several contexts bind it). */
function uniqueCommands<B extends { command: string }>(bindings: readonly B[]): B[] {
  const seen = new Set<string>();
  return bindings.filter((b) => !seen.has(b.command) && seen.add(b.command));
}

/** An error's message, or the thrown value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
