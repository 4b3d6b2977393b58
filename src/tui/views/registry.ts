import { promptView } from "./command-prompt.js";
import { confirmView } from "./confirm.js";
import { helpView } from "./help.js";
import { inboxView } from "./inbox.js";
import { mergeQueueView } from "./merge-queue.js";
import { memoryView } from "./memory.js";
import { spawnView } from "./spawn.js";
import { taskBoardView } from "./tasks.js";
import type { View } from "./view.js";

/**
 * Every cockpit view. Adding one is one new module here in `src/tui/views/` and one line
 * `register(...)` line below; the cockpit finds it by its opener:
 *
 * ```ts
 * // src/tui/views/merge-queue.ts
 * export const mergeQueueView = defineView<QueueState, QueueEffect>({
 *   id: "merge-queue",
 *   title: "In the merge queue:",            // help lists `bindings` under this heading
 *   bindings: QUEUE_BINDINGS,                // defineBindings([...]) from core/keymap.ts
 *   opener: { key: "g", description: "open the merge queue", hint: "queue" },
 *   open: async (ctx) => ({ state: toState(await ctx.services.mergeQueue!.read()) }),
 *   key: (state, key) => queueKey(state, key),           // pure: state + key → state + effects
 *   onEvent: (state, event) => (event.type === "merge" ? { state, effects: [{ type: "reload" }] } : undefined),
 *   perform: async (effect, ctx) => ({ update: (s) => ({ ...s, entries: await ... }) }),
 *   size: () => ({ width: 100, height: 30, minHeight: 6 }),
 *   cacheKey: (state) => `queue:${state.revision}:${state.selected}`,
 *   element: (state, { width, height }) => <MergeQueue … />,
 * });
 * ```
 * A data source it reads goes into `ViewServices` (`view.ts`) as an optional member, filled
 * in by `run-cockpit.ts`; see {@link View} for every member.
 */
export const VIEWS: readonly AnyView[] = [
  register(helpView),
  register(confirmView),
  register(spawnView),
  register(inboxView),
  register(mergeQueueView),
  register(memoryView),
  register(taskBoardView),
  register(promptView),
];

/** A view of any state type: the cockpit keeps each one's state opaque. */
export type AnyView = View<never, never>;

function register<S, E extends { type: string }>(view: View<S, E>): AnyView {
  return view as unknown as AnyView;
}
